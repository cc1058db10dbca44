using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// MossFormer2's <c>MossFormerM</c>: <c>mossformerM</c> (<see cref="MossformerBlockGfsmn"/>) then <c>norm</c>, a plain
/// <c>nn.LayerNorm</c> with eps 1e-6 (unlike v1's SpeechBrain wrapper).
/// </summary>
public sealed class MossFormer2M : Module<Tensor, Tensor>
{
    /// <summary>Creates the stack.</summary>
    public MossFormer2M(long numBlocks, long dModel, MossFormer2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        mossformerM = RegisterModule("mossformerM", new MossformerBlockGfsmn(dModel, numBlocks, config.GroupSize, config.QueryKeyDim,
            config.ExpansionFactor, false, config.AttnDropout, true, config.FsmnInnerChannels, config.FsmnLorder));
        norm = RegisterModule("norm", torch.nn.LayerNorm(dModel, 1e-6));
    }

    /// <summary>Creates the stack around an existing layer stack (e.g. one with another FSMN block, as in
    /// MossFormer2_SE_48K).</summary>
    public MossFormer2M(MossformerBlockGfsmn stack, long dModel)
    {
        ArgumentNullException.ThrowIfNull(stack);
        mossformerM = RegisterModule("mossformerM", stack);
        norm = RegisterModule("norm", torch.nn.LayerNorm(dModel, 1e-6));
    }

    private readonly MossformerBlockGfsmn mossformerM;
    private readonly LayerNorm norm;

    /// <summary>[B, n, d] → [B, n, d].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return norm.call(mossformerM.call(input)).MoveToOuterDisposeScope();
    }
}
