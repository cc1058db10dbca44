using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors;

/// <summary>How glibc's malloc serves libtorch's tensors (Linux only; see <see cref="NativeHeap"/>).</summary>
public enum HeapPolicy
{
    /// <summary>glibc's default: a dynamic mmap threshold (up to 32 MiB), so most activations are reused from the heap. Fastest.</summary>
    System,

    /// <summary>
    /// Every block above 128 KiB is mapped afresh and returned on free: the lowest peak memory (below the libtorch 1.13
    /// build for MossFormer, MossFormer2 and FRCRN), at the cost of page faults (MossFormer2 and FRCRN 4 s: about 1.5×
    /// the time; docs/benchmarks.md).
    /// </summary>
    LowMemory,
}

/// <summary>
/// The glibc heap under libtorch 2.10. With glibc's dynamic mmap threshold (<see cref="HeapPolicy.System"/>, the
/// default) freed activations up to 32 MiB stay in the heap and are reused, which is fast but holds more memory at the
/// peak (the MossFormers' 4 s forwards peak up to about 80 MB above the libtorch 1.13 build). <see cref="HeapPolicy.LowMemory"/> trades
/// time for memory; no threshold in between gave both (docs/benchmarks.md, "Heap"). <c>SPEECHSEP_MALLOC=low-memory</c>
/// selects it when the library loads. The separators also give memory back with <see cref="Trim"/> after each call.
/// No effect off Linux.
/// </summary>
public static class NativeHeap
{
    private const int M_MMAP_THRESHOLD = -3;
    private const int LowMemoryThresholdBytes = 128 << 10;
    private static readonly Lazy<IntPtr> LibC = new(() =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc) ? libc : IntPtr.Zero);
    private static readonly object Gate = new();
    private static bool _environmentRead;

    /// <summary>The policy in force in this process.</summary>
    public static HeapPolicy Policy { get; private set; } = HeapPolicy.System;

    /// <summary>
    /// Switches this process to <see cref="HeapPolicy.LowMemory"/> (it cannot be switched back: glibc keeps a fixed
    /// threshold once set). Returns false where glibc's <c>mallopt</c> is unavailable (other systems, musl).
    /// </summary>
    public static bool UseLowMemory()
    {
        lock (Gate)
        {
            if (Policy == HeapPolicy.LowMemory) return true;
            if (LibC.Value == IntPtr.Zero || !NativeLibrary.TryGetExport(LibC.Value, "mallopt", out var mallopt)) return false;
            bool ok;
            unsafe { ok = ((delegate* unmanaged<int, int, int>)mallopt)(M_MMAP_THRESHOLD, LowMemoryThresholdBytes) == 1; }
            if (ok) Policy = HeapPolicy.LowMemory;
            return ok;
        }
    }

    /// <summary>Applies <c>SPEECHSEP_MALLOC</c> (<c>low-memory</c> or <c>system</c>) once per process; other values are ignored.</summary>
    public static void ApplyEnvironment()
    {
        lock (Gate)
        {
            if (_environmentRead) return;
            _environmentRead = true;
        }
        if (string.Equals(Environment.GetEnvironmentVariable("SPEECHSEP_MALLOC"), "low-memory", StringComparison.OrdinalIgnoreCase))
            UseLowMemory();
    }

    /// <summary>Returns free heap memory to the system (<c>malloc_trim(0)</c>); false where unavailable. Applies no setting.</summary>
    public static bool Trim()
    {
        if (LibC.Value == IntPtr.Zero || !NativeLibrary.TryGetExport(LibC.Value, "malloc_trim", out var trim)) return false;
        unsafe { ((delegate* unmanaged<nuint, int>)trim)(0); }
        return true;
    }
}
