using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>U-Net encoder stage: <see cref="ComplexConv2d"/> (<c>conv</c>) → <see cref="ComplexBatchNorm2d"/> (<c>bn</c>) → LeakyReLU(0.01).</summary>
public sealed class Encoder : Module<Tensor, Tensor>
{
    /// <summary>Creates the stage.</summary>
    public Encoder(long inChannels, long outChannels, (long, long) kernelSize, (long, long) stride, (long, long) padding)
    {
        Conv = RegisterModule("conv", new ComplexConv2d(inChannels, outChannels, kernelSize, stride, padding));
        Bn = RegisterModule("bn", new ComplexBatchNorm2d(outChannels));
    }

    /// <summary>Complex convolution.</summary>
    public ComplexConv2d Conv { get; }
    /// <summary>Batch norm.</summary>
    public ComplexBatchNorm2d Bn { get; }

    /// <summary>Upstream layout: [B, Cin, H, T, 2] → [B, Cout, H', T', 2].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return ComplexLayout.Unpack(ForwardPacked(ComplexLayout.Pack(input))).MoveToOuterDisposeScope();
    }

    /// <summary>Packed layout. In inference the batch norm folds into the convolution and the activation runs in place.</summary>
    public Tensor ForwardPacked(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        if (training) return Bn.ForwardPacked(Conv.ForwardPacked(x)).LeakyRelu(0.01).MoveToOuterDisposeScope();
        return Conv.ForwardPacked(x, Bn).LeakyReluInPlace(0.01).MoveToOuterDisposeScope();
    }
}
