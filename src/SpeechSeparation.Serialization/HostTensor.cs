using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SpeechSeparation.Serialization;

/// <summary>
/// A dense tensor held in managed memory: element type, shape and contiguous row-major little-endian bytes.
/// This is what the checkpoint, safetensors and .npy readers produce, independent of libtorch.
/// </summary>
public sealed class HostTensor
{
    /// <summary>Creates a tensor over <paramref name="data"/>, which must hold exactly the shape's elements.</summary>
    public HostTensor(ScalarType dtype, long[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
        DType = dtype;
        Shape = shape;
        Data = data;
        long expected = checked(ElementCount * dtype.ElementSize());
        if (data.LongLength != expected)
            throw new ArgumentException($"Data holds {data.LongLength} bytes; shape [{string.Join(", ", shape)}] of {dtype.TorchName()} needs {expected}.", nameof(data));
    }

    /// <summary>Element type.</summary>
    public ScalarType DType { get; }

    /// <summary>Shape (empty for a scalar).</summary>
    public long[] Shape { get; }

    /// <summary>Contiguous row-major little-endian element bytes.</summary>
    public byte[] Data { get; }

    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n = checked(n * d);
            return n;
        }
    }

    /// <summary>Creates a float32 tensor from values and a shape.</summary>
    public static HostTensor FromFloats(ReadOnlySpan<float> values, params long[] shape) =>
        new(ScalarType.Float32, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Creates a float64 tensor from values and a shape.</summary>
    public static HostTensor FromDoubles(ReadOnlySpan<double> values, params long[] shape) =>
        new(ScalarType.Float64, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Creates an int64 tensor from values and a shape.</summary>
    public static HostTensor FromInt64s(ReadOnlySpan<long> values, params long[] shape) =>
        new(ScalarType.Int64, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Every element converted to double (complex types give interleaved real, imaginary pairs).</summary>
    public double[] ToDoubleArray()
    {
        var n = checked((int)ElementCount);
        var s = Data.AsSpan();
        switch (DType)
        {
            case ScalarType.Float64: return MemoryMarshal.Cast<byte, double>(s).ToArray();
            case ScalarType.Complex128: return MemoryMarshal.Cast<byte, double>(s).ToArray();
            case ScalarType.Float32:
            case ScalarType.Complex64:
            {
                var f = MemoryMarshal.Cast<byte, float>(s);
                var r = new double[f.Length];
                for (int i = 0; i < f.Length; i++) r[i] = f[i];
                return r;
            }
        }
        var res = new double[n];
        for (int i = 0; i < n; i++)
        {
            res[i] = DType switch
            {
                ScalarType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(s.Slice(i * 2)),
                ScalarType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(s.Slice(i * 2)) << 16),
                ScalarType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(s.Slice(i * 8)),
                ScalarType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(s.Slice(i * 4)),
                ScalarType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(s.Slice(i * 2)),
                ScalarType.Int8 => (sbyte)s[i],
                ScalarType.UInt8 => s[i],
                ScalarType.Bool => s[i] != 0 ? 1 : 0,
                _ => throw new NotSupportedException(DType.ToString()),
            };
        }
        return res;
    }

    /// <summary>Every element converted to float (complex types give interleaved pairs).</summary>
    public float[] ToFloatArray()
    {
        if (DType is ScalarType.Float32 or ScalarType.Complex64)
            return MemoryMarshal.Cast<byte, float>(Data.AsSpan()).ToArray();
        var d = ToDoubleArray();
        var r = new float[d.Length];
        for (int i = 0; i < d.Length; i++) r[i] = (float)d[i];
        return r;
    }

    /// <summary>Every element converted to long (integer and bool types only).</summary>
    public long[] ToInt64Array()
    {
        if (DType == ScalarType.Int64) return MemoryMarshal.Cast<byte, long>(Data.AsSpan()).ToArray();
        if (DType is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Complex64 or ScalarType.Complex128)
            throw new InvalidOperationException($"ToInt64Array needs an integer tensor, not {DType.TorchName()}.");
        var d = ToDoubleArray();
        var r = new long[d.Length];
        for (int i = 0; i < d.Length; i++) r[i] = (long)d[i];
        return r;
    }

    /// <inheritdoc />
    public override string ToString() => $"{DType.TorchName()}[{string.Join(", ", Shape)}]";
}
