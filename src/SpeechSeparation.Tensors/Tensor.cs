using System.Runtime.InteropServices;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.Native;
using static SpeechSeparation.Tensors.Native.NativeMethods;

namespace SpeechSeparation.Tensors;

/// <summary>
/// A libtorch tensor. Owns one native handle, freed by <see cref="Dispose"/>, by the enclosing
/// <see cref="DisposeScope"/>, or (as a last resort) by the finaliser. Methods mirror PyTorch's names
/// (<c>view</c>, <c>permute</c>, <c>sum</c>…) so code reads like the PyTorch it was ported from.
/// </summary>
public partial class Tensor : IDisposable
{
    private TensorHandle _handle;

    internal Tensor(IntPtr handle)
    {
        _handle = new TensorHandle(Check.Ptr(handle));
        DisposeScope.Current?.Attach(this);
    }

    internal DisposeScope? Scope { get; set; }

    /// <summary>True once the native tensor has been released.</summary>
    public bool IsDisposed => _handle.IsClosed;

    internal IntPtr Handle
    {
        get
        {
            if (_handle.IsClosed) throw new ObjectDisposedException(nameof(Tensor), "The tensor was disposed (directly or by its DisposeScope).");
            return _handle.DangerousGetHandle();
        }
    }

    /// <summary>Replaces the native tensor this object refers to (used by <c>Module.To</c>).</summary>
    internal void ReplaceHandle(IntPtr handle)
    {
        var old = _handle;
        _handle = new TensorHandle(Check.Ptr(handle));
        old.Dispose();
    }

    /// <summary>Wraps a native result into a new tensor (throws the native error for a null handle).</summary>
    internal static Tensor Wrap(IntPtr handle) => new(handle);

    /// <summary>Releases the native tensor now.</summary>
    public void Dispose()
    {
        _handle.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Moves this tensor to the enclosing dispose scope (or to no scope) so it outlives the current one.</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        var s = Scope;
        if (s is null) return this;
        Scope = null;
        s.Outer?.Attach(this);
        return this;
    }

    /// <summary>Removes this tensor from every dispose scope; the caller now disposes it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope = null;
        return this;
    }

    // ---- properties ----

    /// <summary>Number of dimensions.</summary>
    public int ndim => Check.Status(sst_ndim(Handle));

    /// <summary>Number of dimensions (PyTorch's <c>dim()</c>).</summary>
    public int dim() => ndim;

    /// <summary>The shape.</summary>
    public unsafe long[] shape
    {
        get
        {
            Span<long> buf = stackalloc long[64];
            int n;
            fixed (long* p = buf) n = Check.Status(sst_shape(Handle, p, 64));
            return buf[..n].ToArray();
        }
    }

    /// <summary>The strides, in elements.</summary>
    public unsafe long[] stride()
    {
        Span<long> buf = stackalloc long[64];
        int n;
        fixed (long* p = buf) n = Check.Status(sst_strides(Handle, p, 64));
        return buf[..n].ToArray();
    }

    /// <summary>Size of dimension <paramref name="d"/> (negative counts from the end).</summary>
    public long size(int d)
    {
        var s = shape;
        if (d < 0) d += s.Length;
        if (d < 0 || d >= s.Length) throw new ArgumentOutOfRangeException(nameof(d), $"Dimension {d} out of range for a {s.Length}-D tensor.");
        return s[d];
    }

    /// <summary>Number of elements.</summary>
    public long numel() => sst_numel(Handle) is var n and >= 0 ? n : throw Check.LastError();

    /// <summary>Element type.</summary>
    public ScalarType dtype => (ScalarType)Check.Status(sst_dtype_of(Handle));

    /// <summary>The device holding the data.</summary>
    public Device device
    {
        get
        {
            var t = Check.Status(sst_device_type(Handle));
            return t == 0 ? Device.CPU : new Device(DeviceType.CUDA, sst_device_index(Handle));
        }
    }

    /// <summary>Whether the memory is contiguous in row-major order.</summary>
    public bool is_contiguous() => Check.Status(sst_is_contiguous(Handle)) == 1;

    // ---- autograd ----

    /// <summary>Whether gradients are recorded for this tensor.</summary>
    public bool requires_grad
    {
        get => Check.Status(sst_requires_grad(Handle)) == 1;
        set => Check.Status(sst_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets <see cref="requires_grad"/> and returns this tensor (PyTorch's <c>requires_grad_</c>).</summary>
    public Tensor requires_grad_(bool on = true)
    {
        requires_grad = on;
        return this;
    }

    /// <summary>Whether this is a leaf of the autograd graph.</summary>
    public bool is_leaf => Check.Status(sst_is_leaf(Handle)) == 1;

    /// <summary>Back-propagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void backward(Tensor? gradient = null, bool retain_graph = false, bool create_graph = false) =>
        Check.Status(sst_backward(Handle, gradient?.Handle ?? IntPtr.Zero, retain_graph ? 1 : 0, create_graph ? 1 : 0));

    /// <summary>The accumulated gradient, or null. Each read returns a new handle on the same storage.</summary>
    public Tensor? grad
    {
        get
        {
            var g = sst_grad(Handle);
            if (g == IntPtr.Zero)
            {
                if (string.IsNullOrEmpty(Marshal.PtrToStringUTF8(sst_last_error()))) return null;
                throw Check.LastError();
            }
            return new Tensor(g);
        }
        set => Check.Status(sst_set_grad(Handle, value?.Handle ?? IntPtr.Zero));
    }

    /// <summary>A tensor sharing storage, cut from the autograd graph.</summary>
    public Tensor detach() => Wrap(sst_detach(Handle));

    // ---- data out ----

    /// <summary>Copies the elements (converted to float32, on the CPU) into a new array, row-major.</summary>
    public float[] ToFloatArray() => CopyOut<float>(ScalarType.Float32);

    /// <summary>Copies the elements (converted to float64) into a new array.</summary>
    public double[] ToDoubleArray() => CopyOut<double>(ScalarType.Float64);

    /// <summary>Copies the elements (converted to int64) into a new array.</summary>
    public long[] ToInt64Array() => CopyOut<long>(ScalarType.Int64);

    /// <summary>Copies the elements (converted to float32) into <paramref name="destination"/>, which must be large enough.</summary>
    public unsafe void CopyTo(Span<float> destination)
    {
        fixed (float* p = destination)
            Check.Status(sst_copy_to(Handle, (int)ScalarType.Float32, p, (long)destination.Length * sizeof(float)));
    }

    private unsafe T[] CopyOut<T>(ScalarType as_) where T : unmanaged
    {
        var n = numel();
        var r = new T[n];
        fixed (T* p = r) Check.Status(sst_copy_to(Handle, (int)as_, p, n * sizeof(T)));
        return r;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public double item()
    {
        Check.Status(sst_item(Handle, out var v));
        return v;
    }

    /// <summary>Copies to a managed <see cref="HostTensor"/> (same dtype and shape, CPU, contiguous).</summary>
    public unsafe HostTensor ToHost()
    {
        var dt = dtype;
        var shp = shape;
        var bytes = new byte[checked(numel() * dt.ElementSize())];
        fixed (byte* p = bytes) Check.Status(sst_copy_to(Handle, (int)dt, p, bytes.LongLength));
        return new HostTensor(dt, shp, bytes);
    }

    /// <summary>Creates a tensor from a managed <see cref="HostTensor"/>.</summary>
    public static unsafe Tensor FromHost(HostTensor host, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var d = device ?? Device.CPU;
        fixed (byte* p = host.Data)
        fixed (long* s = host.Shape)
            return Wrap(sst_from_data(p, s, host.Shape.Length, (int)host.DType, (int)d.Type, d.Index));
    }

    // ---- conversion ----

    /// <summary>Moves/converts to a device and element type (returns this tensor's alias when nothing changes).</summary>
    public Tensor to(Device device, ScalarType? dtype = null, bool non_blocking = false, bool copy = false) =>
        Wrap(sst_to(Handle, (int)(dtype ?? this.dtype), (int)device.Type, device.Index, non_blocking ? 1 : 0, copy ? 1 : 0));

    /// <summary>Converts the element type.</summary>
    public Tensor to(ScalarType dtype) => Wrap(sst_to_dtype(Handle, (int)dtype));

    /// <summary>Copies to the CPU.</summary>
    public Tensor cpu() => to(Device.CPU);

    /// <summary>Copies to a CUDA device.</summary>
    public Tensor cuda(int index = 0) => to(Device.CudaAt(index));

    /// <summary>Converts to float32.</summary>
    public Tensor @float() => to(ScalarType.Float32);

    /// <summary>Converts to float64.</summary>
    public Tensor @double() => to(ScalarType.Float64);

    /// <summary>Converts to int64.</summary>
    public Tensor @long() => to(ScalarType.Int64);

    /// <summary>Copies into page-locked host memory for fast, asynchronous host-to-GPU transfers.</summary>
    public Tensor pin_memory() => Wrap(sst_pin_memory(Handle));

    /// <summary>A copy with its own storage.</summary>
    public Tensor clone() => Wrap(sst_clone(Handle));

    /// <summary>Copies <paramref name="src"/> into this tensor in place (broadcasting, converting dtype/device).</summary>
    public Tensor copy_(Tensor src)
    {
        Check.Status(sst_copy_(Handle, src.Handle));
        return this;
    }

    /// <summary>A new handle on the same tensor (shares storage and autograd identity).</summary>
    public Tensor alias() => Wrap(sst_alias(Handle));

    /// <inheritdoc />
    public override string ToString()
    {
        if (IsDisposed) return "Tensor(disposed)";
        return $"Tensor({dtype.TorchName()}[{string.Join(", ", shape)}], {device})";
    }
}
