using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors;

/// <summary>
/// glibc heap setting for libtorch 2.10 inference: a fixed 4 MiB mmap threshold. With glibc's dynamic threshold (up to
/// 32 MiB) freed activations stay in a fragmented heap: MossFormer's 4 s forward peaked at 4.2 GB resident. Mapping
/// everything above 128 KiB instead costs page faults (7.1 s against 3.8 s). At 4 MiB it is 5.5 s and 0.94 GB, both
/// below the libtorch 1.13 build (5.8 s, 1.08 GB; docs/benchmarks.md). The separators also give memory back with
/// <see cref="Trim"/> after each call. Opt out with <c>SPEECHSEP_MALLOC=system</c>. No effect off Linux.
/// </summary>
public static class NativeHeap
{
    private const int M_MMAP_THRESHOLD = -3;
    private const int MmapThresholdBytes = 4 << 20;
    private static readonly Lazy<(bool Tuned, IntPtr Trim)> State = new(Apply);

    /// <summary>Whether the fixed mmap threshold is in force in this process.</summary>
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
            return (set(M_MMAP_THRESHOLD, MmapThresholdBytes) == 1, trim);
        }
    }
}
