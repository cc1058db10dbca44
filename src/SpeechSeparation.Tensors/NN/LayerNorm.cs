using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>Layer normalisation over the trailing dimensions (keys <c>weight</c>, <c>bias</c> of the normalised shape).</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer (weight 1, bias 0).</summary>
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true)
    {
        NormalizedShape = normalizedShape;
        Eps = eps;
        Weight = RegisterParameter("weight", elementwiseAffine ? Init.NewParameter(normalizedShape, 1) : null);
        Bias = RegisterParameter("bias", elementwiseAffine && bias ? Init.NewParameter(normalizedShape, 0) : null);
    }

    /// <summary>Normalises over one trailing dimension.</summary>
    public LayerNorm(long normalizedSize, double eps = 1e-5, bool elementwiseAffine = true) : this([normalizedSize], eps, elementwiseAffine) { }

    /// <summary>The normalised trailing shape.</summary>
    public long[] NormalizedShape { get; }
    /// <summary>Epsilon added to the variance.</summary>
    public double Eps { get; }
    /// <summary>Scale, or null.</summary>
    public Parameter? Weight { get; }
    /// <summary>Shift, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.layer_norm(input, NormalizedShape, Weight, Bias, Eps);
}
