using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// SpeechBrain's <c>LayerNorm</c> wrapper: an <c>nn.LayerNorm</c> held in attribute <c>norm</c> (keys
/// <c>norm.weight</c>, <c>norm.bias</c>) over the last dimension.
/// </summary>
public sealed class SpeechBrainLayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the norm (MossFormer uses eps 1e-6).</summary>
    public SpeechBrainLayerNorm(long inputSize, double eps = 1e-5) => norm = RegisterModule("norm", new LayerNorm(inputSize, eps));

    private readonly LayerNorm norm;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => norm.Forward(input);
}
