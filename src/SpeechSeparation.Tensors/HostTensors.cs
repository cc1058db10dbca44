using SpeechSeparation.Serialization;
using TorchSharp;
using static TorchSharp.torch;
using HostScalarType = SpeechSeparation.Serialization.ScalarType;
using TorchScalarType = TorchSharp.torch.ScalarType;

namespace SpeechSeparation.Tensors;

/// <summary>
/// Moves data between the safe, pure-C# checkpoint readers (<see cref="HostTensor"/>) and TorchSharp tensors, and out of
/// tensors into managed arrays. Each direction copies the bytes once (managed to native memory or back).
/// </summary>
public static class HostTensors
{
    /// <summary>A new CPU (or <paramref name="device"/>) tensor with <paramref name="host"/>'s type, shape and values.</summary>
    public static Tensor ToTensor(this HostTensor host, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var t = empty(host.Shape, ToTorch(host.DType));
        if (host.Data.Length > 0) host.Data.CopyTo(t.bytes);   // one copy, into libtorch's buffer
        return OnDevice(t, device);
    }

    /// <summary>A new float32 tensor of <paramref name="shape"/> holding a copy of <paramref name="data"/> (one copy).</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the data's length.</exception>
    public static Tensor FromSpan(ReadOnlySpan<float> data, long[] shape, Device? device = null)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n != data.Length) throw new ArgumentException($"Shape [{string.Join(", ", shape)}] holds {n} elements; {data.Length} given.", nameof(shape));
        var t = empty(shape, TorchScalarType.Float32);
        if (n > 0) System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).CopyTo(t.bytes);
        return OnDevice(t, device);
    }

    private static Tensor OnDevice(Tensor cpu, Device? device)
    {
        if (device is null || device.type == DeviceType.CPU) return cpu;
        using (cpu) return cpu.to(device);
    }

    /// <summary>Copies a tensor (any device, any layout) into a managed <see cref="HostTensor"/> of the same type and shape.</summary>
    public static HostTensor ToHost(this Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().cpu().contiguous();
        return new HostTensor(ToHost(cpu.dtype), cpu.shape, cpu.bytes.ToArray());
    }

    /// <summary>The elements converted to float32, row-major.</summary>
    public static float[] ToFloatArray(this Tensor tensor) => ConvertedData<float>(tensor, TorchScalarType.Float32);

    /// <summary>The elements converted to float64, row-major.</summary>
    public static double[] ToDoubleArray(this Tensor tensor) => ConvertedData<double>(tensor, TorchScalarType.Float64);

    /// <summary>The elements converted to int64, row-major.</summary>
    public static long[] ToInt64Array(this Tensor tensor) => ConvertedData<long>(tensor, TorchScalarType.Int64);

    /// <summary>Copies the elements, converted to float32, into <paramref name="destination"/> (at least <c>numel()</c> long).</summary>
    public static void CopyTo(this Tensor tensor, Span<float> destination)
    {
        using var scope = NewDisposeScope();
        var t = tensor.detach().to(TorchScalarType.Float32, CPU).contiguous();
        t.data<float>().CopyTo(destination);
    }

    private static T[] ConvertedData<T>(Tensor tensor, TorchScalarType type) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(type, CPU).contiguous().data<T>().ToArray();
    }

    /// <summary>The TorchSharp element type of a checkpoint element type.</summary>
    public static TorchScalarType ToTorch(this HostScalarType t) => t switch
    {
        HostScalarType.Float32 => TorchScalarType.Float32,
        HostScalarType.Float64 => TorchScalarType.Float64,
        HostScalarType.Float16 => TorchScalarType.Float16,
        HostScalarType.BFloat16 => TorchScalarType.BFloat16,
        HostScalarType.Int64 => TorchScalarType.Int64,
        HostScalarType.Int32 => TorchScalarType.Int32,
        HostScalarType.Int16 => TorchScalarType.Int16,
        HostScalarType.Int8 => TorchScalarType.Int8,
        HostScalarType.UInt8 => TorchScalarType.Byte,
        HostScalarType.Bool => TorchScalarType.Bool,
        HostScalarType.Complex64 => TorchScalarType.ComplexFloat32,
        HostScalarType.Complex128 => TorchScalarType.ComplexFloat64,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "No TorchSharp element type for this checkpoint type."),
    };

    /// <summary>The checkpoint element type of a TorchSharp element type.</summary>
    /// <exception cref="NotSupportedException">The type has no checkpoint equivalent.</exception>
    public static HostScalarType ToHost(this TorchScalarType t) => t switch
    {
        TorchScalarType.Float32 => HostScalarType.Float32,
        TorchScalarType.Float64 => HostScalarType.Float64,
        TorchScalarType.Float16 => HostScalarType.Float16,
        TorchScalarType.BFloat16 => HostScalarType.BFloat16,
        TorchScalarType.Int64 => HostScalarType.Int64,
        TorchScalarType.Int32 => HostScalarType.Int32,
        TorchScalarType.Int16 => HostScalarType.Int16,
        TorchScalarType.Int8 => HostScalarType.Int8,
        TorchScalarType.Byte => HostScalarType.UInt8,
        TorchScalarType.Bool => HostScalarType.Bool,
        TorchScalarType.ComplexFloat32 => HostScalarType.Complex64,
        TorchScalarType.ComplexFloat64 => HostScalarType.Complex128,
        _ => throw new NotSupportedException($"Tensors of type {t} cannot be written to a checkpoint."),
    };
}
