using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// FRCRN's "complex" batch norm: two independent <c>BatchNorm2d(C)</c>, <c>bn_re</c> on the real part and <c>bn_im</c>
/// on the imaginary part (not a whitening complex BN).
/// </summary>
public sealed class ComplexBatchNorm2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer (eps 1e-5, momentum 0.1).</summary>
    public ComplexBatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1)
    {
        BnRe = RegisterModule("bn_re", new BatchNorm2d(numFeatures, eps, momentum));
        BnIm = RegisterModule("bn_im", new BatchNorm2d(numFeatures, eps, momentum));
    }

    /// <summary>Real-part statistics.</summary>
    public BatchNorm2d BnRe { get; }
    /// <summary>Imaginary-part statistics.</summary>
    public BatchNorm2d BnIm { get; }

    /// <summary>Upstream layout: [B, C, H, T, 2] → same.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return ComplexLayout.Unpack(ForwardPacked(ComplexLayout.Pack(input))).MoveToOuterDisposeScope();
    }

    /// <summary>Packed layout: [B, 2C, H, T] → same.</summary>
    public Tensor ForwardPacked(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long c = x.size(1) / 2;
        Tensor y;
        if (training)
        {
            // Separate calls so each BatchNorm updates its own running statistics.
            y = torch.cat([BnRe.forward(x.narrow(1, 0, c)), BnIm.forward(x.narrow(1, c, c))], 1);
        }
        else
        {
            // Per-channel statistics: one call over the concatenated parameters is the same computation.
            y = F.batch_norm(x,
                torch.cat([BnRe.RunningMean, BnIm.RunningMean], 0), torch.cat([BnRe.RunningVar, BnIm.RunningVar], 0),
                torch.cat([BnRe.Weight, BnIm.Weight], 0), torch.cat([BnRe.Bias, BnIm.Bias], 0),
                false, BnRe.Momentum, BnRe.Eps);
        }
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A convolution's packed kernel and bias with this norm's inference map folded in, so that the convolution alone
    /// gives <c>norm(conv(x))</c>: the kernel's output channels (dimension <paramref name="outputDim"/>: 0 for a
    /// convolution, 1 for a transposed one) are scaled, the bias scaled and shifted. In the kernel's dtype.
    /// </summary>
    public (Tensor Weight, Tensor Bias) FoldInto(Tensor weight, Tensor bias, int outputDim)
    {
        using var scope = torch.NewDisposeScope();
        var (scale, shift) = PackedAffine(weight.dtype);                      // [2C] each
        var shape = new long[weight.ndim];
        Array.Fill(shape, 1L);
        shape[outputDim] = -1;
        var w = weight * scale.view(shape);
        var b = (bias * scale).Add(shift);
        return (w.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The inference map as <c>y = scale·x + shift</c> per packed channel ([2C] each, real parts first), computed in
    /// float32 from the running statistics and returned in <paramref name="dtype"/>: what a preceding convolution folds in.
    /// </summary>
    public (Tensor Scale, Tensor Shift) PackedAffine(ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        Tensor Packed(Tensor re, Tensor im) => torch.cat([re, im], 0).to(ScalarType.Float32);
        var scale = Packed(BnRe.Weight, BnIm.Weight) * Packed(BnRe.RunningVar, BnIm.RunningVar).Add(BnRe.Eps).rsqrt();
        var shift = Packed(BnRe.Bias, BnIm.Bias).Add(Packed(BnRe.RunningMean, BnIm.RunningMean) * scale, -1);
        return (scale.to(dtype).MoveToOuterDisposeScope(), shift.to(dtype).MoveToOuterDisposeScope());
    }
}
