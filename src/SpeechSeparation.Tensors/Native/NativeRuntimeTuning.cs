using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors.Native;

/// <summary>
/// Process-level settings applied once, just before libtorch is loaded, that decide how fast CPU inference runs on
/// Linux. Both were measured (docs/benchmarks.md, "Threads and memory"): on the 2-core development VM they take the
/// published MossFormer2 from 11.5 s to under 6 s per 4 s of audio, with the same results.
/// <list type="bullet">
/// <item><b>OpenBLAS built for OpenMP.</b> Debian's libtorch calls OpenBLAS for every matrix product; the default
/// pthread build of OpenBLAS runs its own worker threads while libtorch's OpenMP workers spin-wait after each parallel
/// region, so on a small machine the two pools fight over the cores (a third of the profile was libgomp spinning).
/// When Debian's <c>libopenblas0-openmp</c> is installed, it is loaded first, so that libtorch binds to it by soname
/// and matrix products share libtorch's OpenMP pool. Opt out with <c>SPEECHSEP_BLAS=system</c>.</item>
/// <item><b>glibc keeps freed blocks.</b> Activations of tens of megabytes exceed glibc's mmap threshold, so every
/// forward pass mapped fresh pages and the kernel zeroed them on first touch (a tenth of the profile). The mmap and
/// trim thresholds are raised (<c>mallopt</c>) so that freed activations are reused; <see cref="torch.trim_native_heap"/>
/// hands the free memory back to the system, and the high-level separators call it after each file. Opt out with
/// <c>SPEECHSEP_MALLOC=system</c>.</item>
/// </list>
/// </summary>
internal static class NativeRuntimeTuning
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;
    private const int MmapThresholdBytes = 1 << 30;   // glibc caps it at HEAP_MAX_SIZE/2 on 64-bit (32 MiB) unless set explicitly
    private const int TrimThresholdBytes = int.MaxValue;

    private static IntPtr _libc;
    private static IntPtr _mallocTrim;

    /// <summary>Directory of the OpenMP OpenBLAS that was loaded, or null.</summary>
    internal static string? OpenMpBlasDirectory { get; private set; }

    /// <summary>Whether the malloc thresholds were raised.</summary>
    internal static bool MallocTuned { get; private set; }

    internal static void ApplyBeforeLoadingLibtorch()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (!IsOptedOut("SPEECHSEP_BLAS")) PreloadOpenMpOpenBlas();
        if (!IsOptedOut("SPEECHSEP_MALLOC")) TuneMalloc();
    }

    private static bool IsOptedOut(string variable) =>
        string.Equals(Environment.GetEnvironmentVariable(variable), "system", StringComparison.OrdinalIgnoreCase);

    private static void PreloadOpenMpOpenBlas()
    {
        string triple = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86_64-linux-gnu",
            Architecture.Arm64 => "aarch64-linux-gnu",
            _ => "",
        };
        if (triple.Length == 0) return;
        var dir = $"/usr/lib/{triple}/openblas-openmp";
        var openblas = Path.Combine(dir, "libopenblas.so.0");
        var blas = Path.Combine(dir, "libblas.so.3");
        if (!File.Exists(openblas) || !File.Exists(blas)) return;
        // The dynamic linker satisfies libtorch's DT_NEEDED entries (libopenblas.so.0, libblas.so.3) with already
        // loaded objects of the same soname, so loading these first is enough; nothing is exported globally.
        if (NativeLibrary.TryLoad(openblas, out _) && NativeLibrary.TryLoad(blas, out _))
            OpenMpBlasDirectory = dir;
    }

    private static void TuneMalloc()
    {
        if (!NativeLibrary.TryLoad("libc.so.6", out _libc)) return;
        if (!NativeLibrary.TryGetExport(_libc, "mallopt", out var mallopt)) return;
        NativeLibrary.TryGetExport(_libc, "malloc_trim", out _mallocTrim);
        unsafe
        {
            var set = (delegate* unmanaged<int, int, int>)mallopt;
            MallocTuned = set(M_MMAP_THRESHOLD, MmapThresholdBytes) == 1 & set(M_TRIM_THRESHOLD, TrimThresholdBytes) == 1;
        }
    }

    /// <summary>Returns free heap memory to the system (glibc <c>malloc_trim</c>); false where unavailable.</summary>
    internal static bool TrimHeap()
    {
        if (_mallocTrim == IntPtr.Zero) return false;
        unsafe
        {
            ((delegate* unmanaged<nuint, int>)_mallocTrim)(0);
        }
        return true;
    }
}
