using TorchSharp.Modules;
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
    public SpeechBrainLayerNorm(long inputSize, double eps = 1e-5) => norm = RegisterModule("norm", torch.nn.LayerNorm(inputSize, eps));

    private readonly LayerNorm norm;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => norm.forward(input);
}
