using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// MossFormer2's layer stack (<c>MossformerBlock_GFSMN</c>): for each i, <c>layers[i]</c>
/// (<see cref="FlashShareAFFConvM"/>) then <c>fsmn[i]</c> (<see cref="GatedFsmnBlockDilated"/>). The <c>fsmn</c> list is
/// registered first, as upstream (state-dict order). One <see cref="RotaryEmbedding"/> is shared by all layers.
/// ClearerVoice's MossFormer2_SE_48K uses the same stack with the non-dilated FSMN block: pass its factory to
/// <see cref="MossformerBlockGfsmn(long, long, Func{long, torch.nn.Module{Tensor, Tensor}}, long, long, double, bool, double, bool)"/>.
/// </summary>
public sealed class MossformerBlockGfsmn : Module<Tensor, Tensor>
{
    /// <summary>Creates the stack.</summary>
    public MossformerBlockGfsmn(long dim, long depth, long groupSize = 256, long queryKeyDim = 128, double expansionFactor = 4.0,
        bool causal = false, double attnDropout = 0.1, bool shiftTokens = true, long fsmnInnerChannels = 256, long fsmnLorder = 20)
        : this(dim, depth, d => new GatedFsmnBlockDilated(d, fsmnInnerChannels, fsmnLorder), groupSize, queryKeyDim, expansionFactor,
            causal, attnDropout, shiftTokens) { }

    /// <summary>Creates the stack with the recurrent module built by <paramref name="fsmnBlock"/> (called once per layer
    /// with the model width; [B, T, d] → [B, T, d]).</summary>
    public MossformerBlockGfsmn(long dim, long depth, Func<long, torch.nn.Module<Tensor, Tensor>> fsmnBlock, long groupSize = 256,
        long queryKeyDim = 128, double expansionFactor = 4.0, bool causal = false, double attnDropout = 0.1, bool shiftTokens = true)
    {
        ArgumentNullException.ThrowIfNull(fsmnBlock);
        fsmn = RegisterModule("fsmn", new ModuleList<torch.nn.Module<Tensor, Tensor>>(
            [.. Enumerable.Range(0, (int)depth).Select(_ => fsmnBlock(dim))]));
        var rotary = new RotaryEmbedding(Math.Min(32, queryKeyDim));
        layers = RegisterModule("layers", new ModuleList<FlashShareAFFConvM>(
            [.. Enumerable.Range(0, (int)depth).Select(i => new FlashShareAFFConvM(dim, groupSize, queryKeyDim, expansionFactor,
                i == 0 ? rotary : new RotaryEmbedding(rotary), attnDropout, shiftTokens, causal))]));
    }

    private readonly ModuleList<torch.nn.Module<Tensor, Tensor>> fsmn;
    private readonly ModuleList<FlashShareAFFConvM> layers;

    /// <summary>[B, n, d] → [B, n, d].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            var y = layers[i].call(x);                                       // attention unit
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = fsmn[i].call(y);                                             // gated FSMN block
            y.Dispose();
        }
        return (ReferenceEquals(x, input) ? x.alias() : x).MoveToOuterDisposeScope();
    }
}
