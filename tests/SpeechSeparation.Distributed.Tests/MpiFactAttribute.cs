using SpeechSeparation.Distributed.Mpi;

namespace SpeechSeparation.Distributed.Tests;

/// <summary>
/// A test that launches ranks with MPICH's <c>mpiexec</c>: skipped, with the reason shown in the test output, when
/// <c>mpiexec.mpich</c> (or <c>mpiexec</c>) is not on PATH or no MPICH-ABI library loads (<c>./build.sh test</c> installs
/// Debian's <c>mpich</c>).
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (Mpiexec.Path is null)
            Skip = "needs MPICH's mpiexec: neither mpiexec.mpich nor mpiexec is on PATH (Debian: apt-get install mpich; ./build.sh test installs it)";
        else if (!MpiLibrary.TryLoad(out var error))
            Skip = $"needs an MPICH-ABI MPI library: {error}";
    }
}

/// <summary>Finds and runs MPICH's launcher.</summary>
internal static class Mpiexec
{
    private static readonly Lazy<string?> Found = new(() =>
    {
        foreach (var name in new[] { "mpiexec.mpich", "mpiexec.hydra", "mpiexec" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    });

    /// <summary>The launcher, or null.</summary>
    public static string? Path => Found.Value;
}
