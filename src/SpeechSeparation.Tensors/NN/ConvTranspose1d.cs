using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>1-D transposed convolution (keys <c>weight</c> [C_in, C_out/groups, K], <c>bias</c> [C_out]).</summary>
public sealed class ConvTranspose1d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public ConvTranspose1d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0, long groups = 1, bool bias = true, long dilation = 1)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"ConvTranspose1d: channels ({inChannels}→{outChannels}) must be divisible by groups ({groups}).");
        (Stride, Padding, OutputPadding, Groups, Dilation) = (stride, padding, outputPadding, groups, dilation);
        // PyTorch computes fan_in from weight.size(1) * kernel for transposed convolutions.
        long fanIn = outChannels / groups * kernelSize;
        Weight = RegisterParameter("weight", Init.NewUniform([inChannels, outChannels / groups, kernelSize], fanIn))!;
        Bias = RegisterParameter("bias", bias ? Init.NewUniform([outChannels], fanIn) : null);
    }

    /// <summary>Stride.</summary>
    public long Stride { get; }
    /// <summary>Padding removed from both sides of the output.</summary>
    public long Padding { get; }
    /// <summary>Extra size added to one side of the output.</summary>
    public long OutputPadding { get; }
    /// <summary>Groups.</summary>
    public long Groups { get; }
    /// <summary>Dilation.</summary>
    public long Dilation { get; }
    /// <summary>[C_in, C_out/groups, K]</summary>
    public Parameter Weight { get; }
    /// <summary>[C_out] or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.conv_transpose1d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
}
