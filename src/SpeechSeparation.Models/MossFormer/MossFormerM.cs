using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// MossFormer's attention stack followed by a final layer norm: <c>mossformerM</c> (<see cref="MossFormerModule"/>)
/// then <c>norm</c> (<see cref="SpeechBrainLayerNorm"/>, eps 1e-6).
/// </summary>
public sealed class MossFormerM : Module<Tensor, Tensor>
{
    /// <summary>Creates the stack.</summary>
    public MossFormerM(long numBlocks, long dModel, bool causal = false, long groupSize = 256, long queryKeyDim = 128,
        double expansionFactor = 4.0, double attnDropout = 0.1)
    {
        mossformerM = RegisterModule("mossformerM", new MossFormerModule(dModel, numBlocks, groupSize, queryKeyDim, expansionFactor, causal, attnDropout));
        norm = RegisterModule("norm", new SpeechBrainLayerNorm(dModel, 1e-6));
    }

    private readonly MossFormerModule mossformerM;
    private readonly SpeechBrainLayerNorm norm;

    /// <summary>[B, n, d] → [B, n, d].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return norm.call(mossformerM.call(input)).MoveToOuterDisposeScope();
    }
}
