using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>2-D transposed convolution (keys <c>weight</c> [C_in, C_out/groups, kH, kW], <c>bias</c> [C_out]).</summary>
public sealed class ConvTranspose2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public ConvTranspose2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null, (long, long)? outputPadding = null, long groups = 1, bool bias = true, (long, long)? dilation = null)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"ConvTranspose2d: channels ({inChannels}→{outChannels}) must be divisible by groups ({groups}).");
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        OutputPadding = outputPadding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
        Groups = groups;
        long fanIn = outChannels / groups * kernelSize.Item1 * kernelSize.Item2;
        Weight = RegisterParameter("weight", Init.NewUniform([inChannels, outChannels / groups, kernelSize.Item1, kernelSize.Item2], fanIn))!;
        Bias = RegisterParameter("bias", bias ? Init.NewUniform([outChannels], fanIn) : null);
    }

    /// <summary>Stride (H, W).</summary>
    public (long, long) Stride { get; }
    /// <summary>Padding (H, W).</summary>
    public (long, long) Padding { get; }
    /// <summary>Output padding (H, W).</summary>
    public (long, long) OutputPadding { get; }
    /// <summary>Dilation (H, W).</summary>
    public (long, long) Dilation { get; }
    /// <summary>Groups.</summary>
    public long Groups { get; }
    /// <summary>[C_in, C_out/groups, kH, kW]</summary>
    public Parameter Weight { get; }
    /// <summary>[C_out] or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.conv_transpose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
}
