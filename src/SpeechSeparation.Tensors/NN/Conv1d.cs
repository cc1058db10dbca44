using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>1-D convolution over [B, C_in, L] (keys <c>weight</c> [C_out, C_in/groups, K], <c>bias</c> [C_out]).</summary>
public sealed class Conv1d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Conv1d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv1d: channels ({inChannels}→{outChannels}) must be divisible by groups ({groups}).");
        (Stride, Padding, Dilation, Groups) = (stride, padding, dilation, groups);
        long fanIn = inChannels / groups * kernelSize;
        Weight = RegisterParameter("weight", Init.NewUniform([outChannels, inChannels / groups, kernelSize], fanIn))!;
        Bias = RegisterParameter("bias", bias ? Init.NewUniform([outChannels], fanIn) : null);
    }

    /// <summary>Stride.</summary>
    public long Stride { get; }
    /// <summary>Zero padding on both sides.</summary>
    public long Padding { get; }
    /// <summary>Dilation.</summary>
    public long Dilation { get; }
    /// <summary>Groups.</summary>
    public long Groups { get; }
    /// <summary>[C_out, C_in/groups, K]</summary>
    public Parameter Weight { get; }
    /// <summary>[C_out] or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.conv1d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}
