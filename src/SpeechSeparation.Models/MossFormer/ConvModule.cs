using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// MossFormer's convolution module: <c>y = x + DepthwiseConv1d(xᵀ)ᵀ</c> over time, kernel 17, "same" padding, no bias.
/// Upstream <c>sequential = Sequential(Transpose, DepthWiseConv1d)</c>, hence the key
/// <c>sequential.1.conv.weight</c> [C, 1, k].
/// </summary>
public sealed class ConvModule : Module<Tensor, Tensor>
{
    /// <summary>Creates the module for <paramref name="inChannels"/> channels.</summary>
    public ConvModule(long inChannels, long kernelSize = 17)
    {
        if (kernelSize % 2 == 0) throw new ArgumentException("ConvModule: the kernel size must be odd.", nameof(kernelSize));
        depthwise = new DepthwiseConv1d(inChannels, kernelSize);
        RegisterModule("sequential", torch.nn.Sequential(new Transpose(), depthwise));
    }

    private readonly DepthwiseConv1d depthwise;

    /// <summary>[B, n, C] → [B, n, C].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var y = depthwise.ForwardTimeMajor(input);        // [B, n, C]
        return input.Add(y).MoveToOuterDisposeScope();
    }

    /// <summary>Swaps dimensions 1 and 2 (no parameters; placeholder for the upstream <c>Transpose</c> layer).</summary>
    private sealed class Transpose : Module<Tensor, Tensor>
    {
        public override Tensor forward(Tensor input) => input.transpose(1, 2);
    }
}

/// <summary>Depthwise 1-D convolution (groups = channels, "same" padding, no bias); key <c>conv.weight</c> [C, 1, k].</summary>
public sealed class DepthwiseConv1d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public DepthwiseConv1d(long channels, long kernelSize)
    {
        conv = RegisterModule("conv", torch.nn.Conv1d(channels, channels, kernelSize, padding: (kernelSize - 1) / 2, groups: channels, bias: false));
    }

    private readonly Conv1d conv;

    /// <summary>[B, C, n] → [B, C, n].</summary>
    public override Tensor forward(Tensor input) => conv.forward(input);

    /// <summary>
    /// The same convolution on time-major input [B, n, C] → [B, n, C] without transposing: the input is viewed as a
    /// channels-last [B, C, 1, n] image, for which oneDNN has a fast depthwise kernel (an order of magnitude faster than
    /// the channels-first path; same values).
    /// </summary>
    public Tensor ForwardTimeMajor(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input.unsqueeze(1).permute(0, 3, 1, 2);                     // [B, C, 1, n] (channels-last memory)
        var y = F.conv2d(x, conv.weight.unsqueeze(2), null, padding: [0, conv.padding![0]], groups: conv.groups); // [B, C, 1, n]
        return y.permute(0, 2, 3, 1).squeeze(1).MoveToOuterDisposeScope();  // [B, n, C]
    }
}
