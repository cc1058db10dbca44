using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>y = x Wᵀ + b (keys <c>weight</c> [out, in], <c>bias</c> [out]).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Linear(long inFeatures, long outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Init.NewUniform([outFeatures, inFeatures], inFeatures))!;
        Bias = RegisterParameter("bias", bias ? Init.NewUniform([outFeatures], inFeatures) : null);
    }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }
    /// <summary>Output features.</summary>
    public long OutFeatures { get; }
    /// <summary>[out, in]</summary>
    public Parameter Weight { get; }
    /// <summary>[out] or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.linear(input, Weight, Bias); // [..., in] → [..., out]
}
