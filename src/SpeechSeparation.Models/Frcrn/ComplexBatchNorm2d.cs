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
}
