using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors;

/// <summary>
/// glibc heap setting for libtorch 2.10 inference: a fixed 4 MiB mmap threshold. With glibc's dynamic threshold (up to
/// 32 MiB) freed activations stay in a fragmented heap: MossFormer's 4 s forward peaked at 4.2 GB resident. Mapping
/// everything above 128 KiB instead costs page faults (7.1 s against 3.8 s). At 4 MiB it is 5.5 s and 0.94 GB, both
/// below the libtorch 1.13 build (5.8 s, 1.08 GB; docs/benchmarks.md). The separators also give memory back with
/// <see cref="Trim"/> after each call. Not applied by default yet: with it, FRCRN's windowed 60 s pipeline grew its
/// working set past its 300 MB bound (368–618 MB), so <see cref="EnsureTuned"/> is for callers that opt in
/// (<c>SPEECHSEP_MALLOC=system</c> keeps glibc's behaviour even then). No effect off Linux.
/// </summary>
public static class NativeHeap
{
    private const int M_MMAP_THRESHOLD = -3;
    private const int MmapThresholdBytes = 4 << 20;
    private static readonly Lazy<IntPtr> LibC = new(() =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc) ? libc : IntPtr.Zero);
    private static readonly Lazy<bool> State = new(Apply);

    /// <summary>Whether the fixed mmap threshold is in force in this process.</summary>
    public static bool Tuned => State.IsValueCreated && State.Value;

    /// <summary>Applies the setting (once per process; later calls do nothing).</summary>
    public static void EnsureTuned() => _ = State.Value;

    /// <summary>Returns free heap memory to the system (<c>malloc_trim(0)</c>); false where unavailable. Applies no setting.</summary>
    public static bool Trim()
    {
        if (LibC.Value == IntPtr.Zero || !NativeLibrary.TryGetExport(LibC.Value, "malloc_trim", out var trim)) return false;
        unsafe { ((delegate* unmanaged<nuint, int>)trim)(0); }
        return true;
    }

    private static bool Apply()
    {
        if (LibC.Value == IntPtr.Zero
            || string.Equals(Environment.GetEnvironmentVariable("SPEECHSEP_MALLOC"), "system", StringComparison.OrdinalIgnoreCase)
            || !NativeLibrary.TryGetExport(LibC.Value, "mallopt", out var mallopt))
            return false;
        unsafe { return ((delegate* unmanaged<int, int, int>)mallopt)(M_MMAP_THRESHOLD, MmapThresholdBytes) == 1; }
    }
}
