using System.Runtime.InteropServices;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.Native;
using static SpeechSeparation.Tensors.Native.NativeMethods;

namespace SpeechSeparation.Tensors;

/// <summary>
/// Tensor creation and free functions, named as in PyTorch (<c>torch.zeros</c>, <c>torch.cat</c>…).
/// Use <c>using static SpeechSeparation.Tensors.torch;</c> or write <c>torch.zeros(2, 3)</c>.
/// </summary>
public static partial class torch
{
    internal static void EnsureNative() => Check.EnsureLoaded();

    /// <summary>The linked libtorch version (e.g. <c>1.13.0</c>).</summary>
    public static string Version => Marshal.PtrToStringUTF8(sst_version()) ?? "?";

    // ---- creation ----

    /// <summary>Zeros of a shape (float32 on the CPU).</summary>
    public static Tensor zeros(params long[] shape) => zeros(shape, ScalarType.Float32);
    /// <summary>Zeros of a shape, dtype and device.</summary>
    public static unsafe Tensor zeros(long[] shape, ScalarType dtype, Device? device = null)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape) return Tensor.Wrap(sst_zeros(p, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>Ones of a shape (float32 on the CPU).</summary>
    public static Tensor ones(params long[] shape) => ones(shape, ScalarType.Float32);
    /// <summary>Ones of a shape, dtype and device.</summary>
    public static unsafe Tensor ones(long[] shape, ScalarType dtype, Device? device = null)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape) return Tensor.Wrap(sst_ones(p, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>Uninitialised memory of a shape.</summary>
    public static unsafe Tensor empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape) return Tensor.Wrap(sst_empty(p, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static unsafe Tensor full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape) return Tensor.Wrap(sst_full(p, shape.Length, value, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>Zeros shaped like <paramref name="t"/> (same dtype and device).</summary>
    public static Tensor zeros_like(Tensor t) => zeros(t.shape, t.dtype, t.device);
    /// <summary>Ones shaped like <paramref name="t"/>.</summary>
    public static Tensor ones_like(Tensor t) => ones(t.shape, t.dtype, t.device);
    /// <summary>[start, end) in steps of <paramref name="step"/>.</summary>
    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.CPU;
        return Tensor.Wrap(sst_arange(start, end, step, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>[0, end) as int64.</summary>
    public static Tensor arange(long end) => arange(0, end, 1, ScalarType.Int64);
    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor linspace(double start, double end, long steps, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.CPU;
        return Tensor.Wrap(sst_linspace(start, end, steps, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>The n×n identity.</summary>
    public static Tensor eye(long n, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.CPU;
        return Tensor.Wrap(sst_eye(n, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>Standard normal samples (the default generator unless one is given).</summary>
    public static unsafe Tensor randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape) return Tensor.Wrap(sst_randn(p, shape.Length, generator?.Handle ?? IntPtr.Zero, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>Standard normal float32 samples on the CPU.</summary>
    public static Tensor randn(params long[] shape) => randn(shape, ScalarType.Float32);
    /// <summary>U[0, 1) samples.</summary>
    public static unsafe Tensor rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape) return Tensor.Wrap(sst_rand(p, shape.Length, generator?.Handle ?? IntPtr.Zero, (int)dtype, (int)d.Type, d.Index));
    }
    /// <summary>U[0, 1) float32 samples on the CPU.</summary>
    public static Tensor rand(params long[] shape) => rand(shape, ScalarType.Float32);
    /// <summary>A random permutation of 0..n-1 (int64).</summary>
    public static Tensor randperm(long n, Generator? generator = null, Device? device = null)
    {
        var d = device ?? Device.CPU;
        return Tensor.Wrap(sst_randperm(n, generator?.Handle ?? IntPtr.Zero, (int)d.Type, d.Index));
    }
    /// <summary>Samples Bernoulli(p) for each element's shape.</summary>
    public static Tensor bernoulli(Tensor like, double p, Generator? generator = null) => Tensor.Wrap(sst_bernoulli(like.Handle, p, generator?.Handle ?? IntPtr.Zero));

    /// <summary>A tensor copied from float32 values with a shape (the shape defaults to 1-D).</summary>
    public static Tensor tensor(ReadOnlySpan<float> data, long[]? shape = null, Device? device = null) =>
        FromSpan(data, shape, ScalarType.Float32, device);
    /// <summary>A tensor copied from float64 values.</summary>
    public static Tensor tensor(ReadOnlySpan<double> data, long[]? shape = null, Device? device = null) =>
        FromSpan(data, shape, ScalarType.Float64, device);
    /// <summary>A tensor copied from int64 values.</summary>
    public static Tensor tensor(ReadOnlySpan<long> data, long[]? shape = null, Device? device = null) =>
        FromSpan(data, shape, ScalarType.Int64, device);
    /// <summary>A tensor copied from int32 values.</summary>
    public static Tensor tensor(ReadOnlySpan<int> data, long[]? shape = null, Device? device = null) =>
        FromSpan(data, shape, ScalarType.Int32, device);
    /// <summary>A tensor copied from bytes (uint8).</summary>
    public static Tensor tensor(ReadOnlySpan<byte> data, long[]? shape = null, Device? device = null) =>
        FromSpan(data, shape, ScalarType.UInt8, device);
    /// <summary>A tensor copied from booleans.</summary>
    public static Tensor tensor(ReadOnlySpan<bool> data, long[]? shape = null, Device? device = null) =>
        FromSpan(MemoryMarshal.AsBytes(data), shape, ScalarType.Bool, device);
    /// <summary>A 0-D tensor holding one value.</summary>
    public static Tensor scalar_tensor(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) => full([], value, dtype, device);

    private static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, long[]? shape, ScalarType dtype, Device? device) where T : unmanaged
    {
        shape ??= [data.Length];
        long n = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
            n = checked(n * s);
        }
        if (n != data.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] holds {n} elements but {data.Length} values were given.", nameof(shape));
        var d = device ?? Device.CPU;
        fixed (T* p = data)
        fixed (long* s = shape)
            return Tensor.Wrap(sst_from_data(p, s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    // ---- joining, selection ----

    /// <summary>Concatenates along an existing dimension.</summary>
    public static unsafe Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var h = Handles(tensors);
        fixed (IntPtr* p = h) return Tensor.Wrap(sst_cat(p, h.Length, dim));
    }
    /// <summary>Stacks along a new dimension.</summary>
    public static unsafe Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var h = Handles(tensors);
        fixed (IntPtr* p = h) return Tensor.Wrap(sst_stack(p, h.Length, dim));
    }
    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> holds, else of <paramref name="b"/>.</summary>
    public static Tensor where(Tensor condition, Tensor a, Tensor b) => Tensor.Wrap(sst_where(condition.Handle, a.Handle, b.Handle));
    /// <summary>Einstein summation (torch.einsum).</summary>
    public static unsafe Tensor einsum(string equation, params Tensor[] operands)
    {
        var h = Handles(operands);
        fixed (IntPtr* p = h) return Tensor.Wrap(sst_einsum(equation, p, h.Length));
    }
    /// <summary>Matrix product with broadcasting.</summary>
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    /// <summary>Batched matrix product.</summary>
    public static Tensor bmm(Tensor a, Tensor b) => a.bmm(b);
    /// <summary>A complex tensor from real and imaginary parts.</summary>
    public static Tensor complex(Tensor real, Tensor imag) => Tensor.Wrap(sst_complex(real.Handle, imag.Handle));
    /// <summary>A complex tensor abs·e^{i·angle}.</summary>
    public static Tensor polar(Tensor abs, Tensor angle) => Tensor.Wrap(sst_polar(abs.Handle, angle.Handle));
    /// <summary>atan2(a, b) element-wise.</summary>
    public static Tensor atan2(Tensor a, Tensor b) => Tensor.Wrap(sst_atan2(a.Handle, b.Handle));
    /// <summary>Hann window (periodic by default, as torch.hann_window).</summary>
    public static Tensor hann_window(long length, bool periodic = true, ScalarType dtype = ScalarType.Float32) =>
        Tensor.Wrap(sst_hann_window(length, periodic ? 1 : 0, (int)dtype));
    /// <summary>Hamming window (periodic by default).</summary>
    public static Tensor hamming_window(long length, bool periodic = true, ScalarType dtype = ScalarType.Float32) =>
        Tensor.Wrap(sst_hamming_window(length, periodic ? 1 : 0, (int)dtype));

    internal static IntPtr[] Handles(IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var h = new IntPtr[tensors.Count];
        for (int i = 0; i < h.Length; i++) h[i] = (tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"Tensor {i} is null.")).Handle;
        return h;
    }

    // ---- scopes, modes, threads, seeds, devices ----

    /// <summary>Opens a <see cref="DisposeScope"/> on this thread.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Disables gradient recording until the returned object is disposed (PyTorch's <c>torch.no_grad()</c>).</summary>
    public static IDisposable no_grad() => new GradModeScope(false);

    /// <summary>Enables gradient recording until disposed (PyTorch's <c>torch.enable_grad()</c>).</summary>
    public static IDisposable enable_grad() => new GradModeScope(true);

    /// <summary>Whether gradient recording is on for this thread.</summary>
    public static bool is_grad_enabled() => sst_grad_enabled() == 1;

    /// <summary>Enters inference mode (no autograd bookkeeping at all) until disposed; dispose on the same thread.</summary>
    public static IDisposable inference_mode() => new InferenceModeScope();

    /// <summary>Seeds the default CPU (and CUDA) generators.</summary>
    public static void manual_seed(ulong seed) => Check.Status(sst_manual_seed(seed));

    /// <summary>Sets the number of intra-op threads.</summary>
    public static void set_num_threads(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "Thread count must be positive.");
        Check.Status(sst_set_num_threads(n));
    }

    /// <summary>The number of intra-op threads.</summary>
    public static int get_num_threads() => Check.Status(sst_get_num_threads());

    /// <summary>
    /// How the native runtime was set up when libtorch was loaded: the OpenMP build of OpenBLAS (when installed) and
    /// raised glibc malloc thresholds, both for CPU speed; opt out with <c>SPEECHSEP_BLAS=system</c> or
    /// <c>SPEECHSEP_MALLOC=system</c>. See docs/benchmarks.md, "Threads and memory".
    /// </summary>
    public static NativeRuntimeInfo native_runtime()
    {
        sst_version();   // loads the shim (and applies the settings) if nothing has yet
        return new NativeRuntimeInfo(NativeRuntimeTuning.OpenMpBlasDirectory, NativeRuntimeTuning.MallocTuned);
    }

    /// <summary>
    /// Returns freed native memory to the operating system (glibc <c>malloc_trim</c>). The raised malloc thresholds keep
    /// freed activations for reuse during a forward pass; call this after a batch of work to shrink the resident set
    /// (the high-level separators and enhancers do so after each call). Returns false where unsupported.
    /// </summary>
    public static bool trim_native_heap() => NativeRuntimeTuning.TrimHeap();

    /// <summary>CUDA queries.</summary>
    public static class cuda
    {
        /// <summary>Whether the linked libtorch has CUDA and a GPU is visible.</summary>
        public static bool is_available() => sst_cuda_is_available() == 1;

        /// <summary>Number of visible GPUs.</summary>
        public static int device_count() => sst_cuda_device_count();

        /// <summary>Waits for the current GPU's queued work (no-op without CUDA).</summary>
        public static void synchronize() => Check.Status(sst_cuda_synchronize());
    }

    /// <summary>Backend switches (<c>torch.backends</c>).</summary>
    public static class backends
    {
        /// <summary>
        /// Allows TF32 in float32 matmuls and convolutions on Ampere+ GPUs (both cuBLAS and cuDNN). Turn it off to compare
        /// GPU results with CPU references at float32 precision.
        /// </summary>
        public static void set_allow_tf32(bool allow) => Check.Status(sst_set_allow_tf32(allow ? 1 : 0));
    }

    private sealed class GradModeScope : IDisposable
    {
        private readonly bool _previous;
        private bool _done;
        public GradModeScope(bool enabled)
        {
            _previous = is_grad_enabled();
            sst_set_grad_enabled(enabled ? 1 : 0);
        }
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            sst_set_grad_enabled(_previous ? 1 : 0);
        }
    }

    private sealed class InferenceModeScope : IDisposable
    {
        private IntPtr _guard = Check.Ptr(sst_inference_mode_enter());
        public void Dispose()
        {
            var g = Interlocked.Exchange(ref _guard, IntPtr.Zero);
            if (g != IntPtr.Zero) sst_inference_mode_exit(g);
        }
    }
}

/// <summary>What <see cref="torch.native_runtime"/> reports.</summary>
/// <param name="OpenMpOpenBlasDirectory">Directory of the OpenMP OpenBLAS loaded for libtorch, or null (system BLAS).</param>
/// <param name="MallocThresholdsRaised">Whether glibc's mmap/trim thresholds were raised.</param>
public sealed record NativeRuntimeInfo(string? OpenMpOpenBlasDirectory, bool MallocThresholdsRaised);
