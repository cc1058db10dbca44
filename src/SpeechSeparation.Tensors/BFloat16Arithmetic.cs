using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace SpeechSeparation.Tensors;

/// <summary>Where a bfloat16 layer computes on the CPU (see <see cref="BFloat16Arithmetic"/>).</summary>
public enum BFloat16Compute
{
    /// <summary>Float32 arithmetic where the CPU has no bfloat16 instructions, libtorch's bfloat16 kernels where it has them.</summary>
    Auto,

    /// <summary>Always libtorch's bfloat16 kernels (emulated by oneDNN on a CPU without bfloat16 instructions).</summary>
    Native,

    /// <summary>Always float32 arithmetic on the bfloat16 values, rounding each layer's output to bfloat16.</summary>
    Float32,
}

/// <summary>
/// bfloat16 layers on CPUs without bfloat16 arithmetic. Without AVX512-BF16 or AMX, oneDNN and MKL emulate bfloat16
/// convolutions and products, 3–5× slower than float32 (docs/benchmarks.md). A layer routed through <see cref="Run"/>
/// then converts its bfloat16 input to float32 (exactly), computes in float32 with its bfloat16 weights converted the
/// same way, and rounds its output to bfloat16 once: the values between layers, the weights in memory and the rounding
/// of each output stay bfloat16's, as in a bfloat16 kernel that accumulates in float32. Set
/// <see cref="Compute"/> (or <c>SPEECHSEP_BF16_COMPUTE=auto|native|float32</c>, read once when the library loads) to
/// force one path. CUDA tensors and other dtypes are never converted.
/// </summary>
public static class BFloat16Arithmetic
{
    /// <summary>Whether this CPU has bfloat16 instructions (x86: AVX512-BF16 or AMX-BF16; other CPUs are assumed to have them).</summary>
    public static bool CpuHasBFloat16 { get; } = DetectCpu();

    /// <summary>The path bfloat16 CPU layers take in this process (default <see cref="BFloat16Compute.Auto"/>).</summary>
    public static BFloat16Compute Compute { get; set; } = ReadEnvironment();

    /// <summary>Whether <see cref="Run"/> computes a tensor of <paramref name="dtype"/> on <paramref name="device"/> in float32.</summary>
    public static bool Widens(ScalarType dtype, DeviceType device) =>
        dtype == ScalarType.BFloat16 && device == DeviceType.CPU
        && (Compute == BFloat16Compute.Float32 || (Compute == BFloat16Compute.Auto && !CpuHasBFloat16));

    /// <summary>The dtype a layer on <paramref name="dtype"/> values on <paramref name="device"/> computes in.</summary>
    public static ScalarType ComputeType(ScalarType dtype, DeviceType device) => Widens(dtype, device) ? ScalarType.Float32 : dtype;

    /// <summary>
    /// <paramref name="layer"/> applied to <paramref name="x"/>: as it is, or (see <see cref="Widens"/>) to a float32
    /// copy with the result rounded back to bfloat16. The layer converts its weights to its input's dtype
    /// (<c>w.to(v.dtype)</c>), which is free when they already have it.
    /// </summary>
    public static Tensor Run(Tensor x, Func<Tensor, Tensor> layer)
    {
        if (!Widens(x.dtype, x.device_type)) return layer(x);
        using var scope = NewDisposeScope();
        using var wide = x.to(ScalarType.Float32);
        return layer(wide).to(ScalarType.BFloat16).MoveToOuterDisposeScope();
    }

    private static bool DetectCpu()
    {
        if (!X86Base.IsSupported) return true;
        if (X86Base.CpuId(0, 0).Eax < 7) return false;
        var (_, _, _, edx7) = X86Base.CpuId(7, 0);
        var (eax71, _, _, _) = X86Base.CpuId(7, 1);
        bool avx512Bf16 = (eax71 & (1 << 5)) != 0;
        bool amxBf16 = (edx7 & (1 << 22)) != 0;
        return avx512Bf16 || amxBf16;
    }

    private static BFloat16Compute ReadEnvironment() =>
        Environment.GetEnvironmentVariable("SPEECHSEP_BF16_COMPUTE")?.Trim().ToLowerInvariant() switch
        {
            "native" or "bf16" or "bfloat16" => BFloat16Compute.Native,
            "float32" or "fp32" => BFloat16Compute.Float32,
            _ => BFloat16Compute.Auto,
        };
}
