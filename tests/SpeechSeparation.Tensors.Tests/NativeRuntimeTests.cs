namespace SpeechSeparation.Tensors.Tests;

/// <summary>The process-level settings applied when libtorch loads (see <see cref="torch.native_runtime"/>).</summary>
public class NativeRuntimeTests
{
    private const string OpenMpOpenBlasDir = "/usr/lib/x86_64-linux-gnu/openblas-openmp";

    private static string[] MappedOpenBlasFiles() =>
        [.. File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 6 && f[5].Contains("libopenblas", StringComparison.Ordinal)).Select(f => f[5].Trim()).Distinct()];

    [Fact]
    public void MatrixProductsUseTheOpenMpOpenBlasWhenItIsInstalled()
    {
        bool expectOpenMp = File.Exists(Path.Combine(OpenMpOpenBlasDir, "libopenblas.so.0"))
                            && !string.Equals(Environment.GetEnvironmentVariable("SPEECHSEP_BLAS"), "system", StringComparison.OrdinalIgnoreCase);
        using var a = torch.randn(64, 64);
        using var product = a.matmul(a);                   // libtorch → sgemm_
        var info = torch.native_runtime();
        var mapped = MappedOpenBlasFiles();
        if (expectOpenMp)
        {
            Assert.Equal(OpenMpOpenBlasDir, info.OpenMpOpenBlasDirectory);
            // Independent of what the library reports: the process maps the OpenMP build and no other OpenBLAS.
            Assert.NotEmpty(mapped);
            Assert.All(mapped, f => Assert.StartsWith(OpenMpOpenBlasDir + "/", f));
        }
        else
        {
            Assert.Null(info.OpenMpOpenBlasDirectory);
            Assert.DoesNotContain(mapped, f => f.StartsWith(OpenMpOpenBlasDir + "/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void MallocThresholdsAreRaisedAndTheHeapCanBeTrimmed()
    {
        bool glibc = OperatingSystem.IsLinux()
                     && !string.Equals(Environment.GetEnvironmentVariable("SPEECHSEP_MALLOC"), "system", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(glibc, torch.native_runtime().MallocThresholdsRaised);
        Assert.Equal(glibc, NativeHeap.Trim());
    }
}
