using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors;

/// <summary>
/// glibc heap settings for libtorch inference: activations above glibc's mmap threshold would otherwise be mapped and
/// zeroed afresh on every forward pass (measured as ~8 % of CPU time in page faults), so the thresholds are raised once,
/// and the separators give memory back with <see cref="Trim"/> after each call. Opt out with
/// <c>SPEECHSEP_MALLOC=system</c>. No effect off Linux.
/// </summary>
public static class NativeHeap
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;
    private const int MmapThresholdBytes = 1 << 30;
    private static readonly Lazy<(bool Tuned, IntPtr Trim)> State = new(Apply);

    /// <summary>Whether the raised thresholds are in force in this process.</summary>
    public static bool Tuned => State.Value.Tuned;

    /// <summary>Applies the settings (once per process; later calls do nothing).</summary>
    public static void EnsureTuned() => _ = State.Value;

    /// <summary>Returns free heap memory to the system (<c>malloc_trim(0)</c>); false where unavailable.</summary>
    public static bool Trim()
    {
        var trim = State.Value.Trim;
        if (trim == IntPtr.Zero) return false;
        unsafe { ((delegate* unmanaged<nuint, int>)trim)(0); }
        return true;
    }

    private static (bool, IntPtr) Apply()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return (false, IntPtr.Zero);
        NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim);
        if (string.Equals(Environment.GetEnvironmentVariable("SPEECHSEP_MALLOC"), "system", StringComparison.OrdinalIgnoreCase)
            || !NativeLibrary.TryGetExport(libc, "mallopt", out var mallopt))
            return (false, trim);
        unsafe
        {
            var set = (delegate* unmanaged<int, int, int>)mallopt;
            bool ok = set(M_MMAP_THRESHOLD, MmapThresholdBytes) == 1 & set(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            return (ok, trim);
        }
    }
}
