using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>2-D convolution over [B, C_in, H, W] (keys <c>weight</c> [C_out, C_in/groups, kH, kW], <c>bias</c>).</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Conv2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null, (long, long)? dilation = null, long groups = 1, bool bias = true)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: channels ({inChannels}→{outChannels}) must be divisible by groups ({groups}).");
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
        Groups = groups;
        long fanIn = inChannels / groups * kernelSize.Item1 * kernelSize.Item2;
        Weight = RegisterParameter("weight", Init.NewUniform([outChannels, inChannels / groups, kernelSize.Item1, kernelSize.Item2], fanIn))!;
        Bias = RegisterParameter("bias", bias ? Init.NewUniform([outChannels], fanIn) : null);
    }

    /// <summary>Creates a layer with a square kernel.</summary>
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias) { }

    /// <summary>Stride (H, W).</summary>
    public (long, long) Stride { get; }
    /// <summary>Zero padding (H, W).</summary>
    public (long, long) Padding { get; }
    /// <summary>Dilation (H, W).</summary>
    public (long, long) Dilation { get; }
    /// <summary>Groups.</summary>
    public long Groups { get; }
    /// <summary>[C_out, C_in/groups, kH, kW]</summary>
    public Parameter Weight { get; }
    /// <summary>[C_out] or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}
