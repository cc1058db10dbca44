using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>U-Net decoder stage: <see cref="ComplexConvTranspose2d"/> (<c>transconv</c>) → <see cref="ComplexBatchNorm2d"/> (<c>bn</c>) → LeakyReLU(0.01).</summary>
public sealed class Decoder : Module<Tensor, Tensor>
{
    /// <summary>Creates the stage.</summary>
    public Decoder(long inChannels, long outChannels, (long, long) kernelSize, (long, long) stride, (long, long) padding)
    {
        Transconv = RegisterModule("transconv", new ComplexConvTranspose2d(inChannels, outChannels, kernelSize, stride, padding));
        Bn = RegisterModule("bn", new ComplexBatchNorm2d(outChannels));
    }

    /// <summary>Complex transposed convolution.</summary>
    public ComplexConvTranspose2d Transconv { get; }
    /// <summary>Batch norm.</summary>
    public ComplexBatchNorm2d Bn { get; }

    /// <summary>Upstream layout: [B, Cin, H, T, 2] → [B, Cout, H', T', 2].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return ComplexLayout.Unpack(ForwardPacked(ComplexLayout.Pack(input))).MoveToOuterDisposeScope();
    }

    /// <summary>Packed layout. In inference the batch norm folds into the convolution and the activation runs in place.</summary>
    public Tensor ForwardPacked(Tensor x) => ForwardPacked(FrameSource.Of(x));

    /// <summary>The same on a <see cref="FrameSource"/> (a decoder output with its skip, concatenated block by block).</summary>
    public Tensor ForwardPacked(FrameSource x)
    {
        using var scope = torch.NewDisposeScope();
        if (training) return Bn.ForwardPacked(Transconv.ForwardPacked(x, null)).LeakyRelu(0.01).MoveToOuterDisposeScope();
        return Transconv.ForwardPacked(x, Bn).LeakyReluInPlace(0.01).MoveToOuterDisposeScope();
    }
}
