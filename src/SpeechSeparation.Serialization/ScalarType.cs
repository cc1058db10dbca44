namespace SpeechSeparation.Serialization;

/// <summary>Element types of stored tensors, named as in PyTorch.</summary>
public enum ScalarType
{
    /// <summary>torch.float32</summary>
    Float32,
    /// <summary>torch.float64</summary>
    Float64,
    /// <summary>torch.float16</summary>
    Float16,
    /// <summary>torch.bfloat16</summary>
    BFloat16,
    /// <summary>torch.int64</summary>
    Int64,
    /// <summary>torch.int32</summary>
    Int32,
    /// <summary>torch.int16</summary>
    Int16,
    /// <summary>torch.int8</summary>
    Int8,
    /// <summary>torch.uint8</summary>
    UInt8,
    /// <summary>torch.bool</summary>
    Bool,
    /// <summary>torch.complex64 (two float32 per element)</summary>
    Complex64,
    /// <summary>torch.complex128 (two float64 per element)</summary>
    Complex128,
}

/// <summary>Sizes and names of <see cref="ScalarType"/> values.</summary>
public static class ScalarTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType t) => t switch
    {
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float64 or ScalarType.Int64 or ScalarType.Complex64 => 8,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.UInt8 or ScalarType.Bool => 1,
        ScalarType.Complex128 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>The PyTorch name without the <c>torch.</c> prefix (e.g. <c>float32</c>).</summary>
    public static string TorchName(this ScalarType t) => t switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int64 => "int64",
        ScalarType.Int32 => "int32",
        ScalarType.Int16 => "int16",
        ScalarType.Int8 => "int8",
        ScalarType.UInt8 => "uint8",
        ScalarType.Bool => "bool",
        ScalarType.Complex64 => "complex64",
        ScalarType.Complex128 => "complex128",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>Parses a PyTorch/NumPy dtype name (<c>float32</c>, <c>torch.float32</c>, <c>float</c>, <c>long</c>…).</summary>
    public static ScalarType Parse(string name)
    {
        var n = name.StartsWith("torch.", StringComparison.Ordinal) ? name[6..] : name;
        return n switch
        {
            "float32" or "float" => ScalarType.Float32,
            "float64" or "double" => ScalarType.Float64,
            "float16" or "half" => ScalarType.Float16,
            "bfloat16" => ScalarType.BFloat16,
            "int64" or "long" => ScalarType.Int64,
            "int32" or "int" => ScalarType.Int32,
            "int16" or "short" => ScalarType.Int16,
            "int8" => ScalarType.Int8,
            "uint8" => ScalarType.UInt8,
            "bool" => ScalarType.Bool,
            "complex64" or "cfloat" => ScalarType.Complex64,
            "complex128" or "cdouble" => ScalarType.Complex128,
            _ => throw new FormatException($"Unknown dtype '{name}'."),
        };
    }
}
