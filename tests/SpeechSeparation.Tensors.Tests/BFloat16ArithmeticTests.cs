using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Tensors.Tests;

/// <summary>
/// <see cref="BFloat16Arithmetic"/>: which tensors it widens, and that a widened bfloat16 convolution gives libtorch's
/// bfloat16 result (both accumulate in float32 and round once) to within one bfloat16 step.
/// </summary>
[Collection(nameof(BFloat16ComputeSetting))]
public class BFloat16ArithmeticTests
{
    [Fact]
    public void WidensOnlyBFloat16CpuTensorsAndOnlyWhenAsked()
    {
        var saved = BFloat16Arithmetic.Compute;
        try
        {
            BFloat16Arithmetic.Compute = BFloat16Compute.Float32;
            Assert.True(BFloat16Arithmetic.Widens(ScalarType.BFloat16, DeviceType.CPU));
            Assert.False(BFloat16Arithmetic.Widens(ScalarType.Float32, DeviceType.CPU));
            Assert.False(BFloat16Arithmetic.Widens(ScalarType.Float16, DeviceType.CPU));
            Assert.False(BFloat16Arithmetic.Widens(ScalarType.BFloat16, DeviceType.CUDA));
            Assert.Equal(ScalarType.Float32, BFloat16Arithmetic.ComputeType(ScalarType.BFloat16, DeviceType.CPU));
            BFloat16Arithmetic.Compute = BFloat16Compute.Native;
            Assert.False(BFloat16Arithmetic.Widens(ScalarType.BFloat16, DeviceType.CPU));
            Assert.Equal(ScalarType.BFloat16, BFloat16Arithmetic.ComputeType(ScalarType.BFloat16, DeviceType.CPU));
            BFloat16Arithmetic.Compute = BFloat16Compute.Auto;
            Assert.Equal(!BFloat16Arithmetic.CpuHasBFloat16, BFloat16Arithmetic.Widens(ScalarType.BFloat16, DeviceType.CPU));
        }
        finally { BFloat16Arithmetic.Compute = saved; }
    }

    [Fact]
    public void WidenedConvolutionMatchesTheBFloat16KernelWithinOneRounding()
    {
        var saved = BFloat16Arithmetic.Compute;
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        torch.manual_seed(5);
        var x = torch.randn(1, 16, 20, 30).to(ScalarType.BFloat16);
        var w = torch.randn(8, 16, 3, 2).Mul(0.1).to(ScalarType.BFloat16);
        try
        {
            Tensor Layer(Tensor v) => F.conv2d(v, w.to(v.dtype), null, [1, 1], [1, 0]);
            BFloat16Arithmetic.Compute = BFloat16Compute.Float32;
            var widened = BFloat16Arithmetic.Run(x, Layer);
            BFloat16Arithmetic.Compute = BFloat16Compute.Native;
            var native = BFloat16Arithmetic.Run(x, Layer);
            Assert.Equal(ScalarType.BFloat16, widened.dtype);
            Assert.Equal(native.shape, widened.shape);
            // The exact float32 result of the same bfloat16 operands: both must be it rounded to bfloat16 (8 bits).
            var exact = F.conv2d(x.to(ScalarType.Float32), w.to(ScalarType.Float32), null, [1, 1], [1, 0]);
            var step = exact.abs().Mul(1.0 / 128).Add(1e-6);
            Assert.True(((widened.to(ScalarType.Float32) - exact).abs() <= step).all().ToBoolean());
            Assert.True(((native.to(ScalarType.Float32) - exact).abs() <= step.Mul(2)).all().ToBoolean());
        }
        finally { BFloat16Arithmetic.Compute = saved; }
    }
}

[CollectionDefinition(nameof(BFloat16ComputeSetting), DisableParallelization = true)]
public sealed class BFloat16ComputeSetting;
