using SpeechSeparation.Serialization;
using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>y = x Wᵀ + b (keys <c>weight</c> [out, in], <c>bias</c> [out]).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Linear(long inFeatures, long outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Init.NewUniform([outFeatures, inFeatures], inFeatures))!;
        Bias = RegisterParameter("bias", bias ? Init.NewUniform([outFeatures], inFeatures) : null);
    }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }
    /// <summary>Output features.</summary>
    public long OutFeatures { get; }
    /// <summary>[out, in]</summary>
    public Parameter Weight { get; }
    /// <summary>[out] or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) =>
        UsePointwiseConvolution(input) ? PointwiseConvolution(input) : F.linear(input, Weight, Bias); // [..., in] → [..., out]

    /// <summary>Rows from which a float32 CPU inference forward goes through oneDNN (see <see cref="PointwiseConvolution"/>).</summary>
    public const long PointwiseConvolutionMinRows = 256;

    private bool UsePointwiseConvolution(Tensor input) =>
        input.dim() == 3 && input.shape[1] >= PointwiseConvolutionMinRows && input.dtype == ScalarType.Float32
        && input.device.Type == DeviceType.CPU && !torch.is_grad_enabled() && input.is_contiguous();

    /// <summary>
    /// The same product as a 1×1 convolution on a channels-last view of the time-major input (<c>[B, n, in]</c> seen as
    /// <c>[B, in, 1, n]</c>): libtorch hands it to oneDNN's pointwise-convolution kernel, which measured 195–205 GFLOP/s
    /// on the 2-core development VM where the BLAS path of <c>linear</c> reached 153–182 (docs/benchmarks.md). No copies:
    /// input, weight (<c>[out, in, 1, 1]</c>) and output (<c>[B, 1, n, out]</c> in memory) are views. Only used without
    /// autograd; sums are ordered differently from BLAS (differences of a few ulps).
    /// </summary>
    private Tensor PointwiseConvolution(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input.unsqueeze(1).permute(0, 3, 1, 2);                               // [B, in, 1, n] (channels-last memory)
        var y = F.conv2d(x, Weight.unsqueeze(2).unsqueeze(3), Bias);                  // [B, out, 1, n] (channels-last memory)
        return y.permute(0, 2, 3, 1).squeeze(1).contiguous().MoveToOuterDisposeScope(); // [B, n, out] (already contiguous: no copy)
    }
}
