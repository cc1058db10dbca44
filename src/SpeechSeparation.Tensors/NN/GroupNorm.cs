using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>Group normalisation of [B, C, ...] (keys <c>weight</c>, <c>bias</c> [C]).</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer (weight 1, bias 0).</summary>
    public GroupNorm(long numGroups, long numChannels, double eps = 1e-5, bool affine = true)
    {
        if (numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: {numChannels} channels are not divisible by {numGroups} groups.");
        NumGroups = numGroups;
        Eps = eps;
        Weight = RegisterParameter("weight", affine ? Init.NewParameter([numChannels], 1) : null);
        Bias = RegisterParameter("bias", affine ? Init.NewParameter([numChannels], 0) : null);
    }

    /// <summary>Number of groups.</summary>
    public long NumGroups { get; }
    /// <summary>Epsilon.</summary>
    public double Eps { get; }
    /// <summary>[C] or null.</summary>
    public Parameter? Weight { get; }
    /// <summary>[C] or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.group_norm(input, NumGroups, Weight, Bias, Eps);
}
