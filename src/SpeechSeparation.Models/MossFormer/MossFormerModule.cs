using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// The stack of <see cref="MossFormerBlock"/>s (<c>layers.0</c> … <c>layers.N-1</c>) sharing one
/// <see cref="RotaryEmbedding"/>(min(32, query_key_dim)).
/// </summary>
public sealed class MossFormerModule : Module<Tensor, Tensor>
{
    /// <summary>Creates the stack.</summary>
    public MossFormerModule(long dim, long depth, long groupSize = 256, long queryKeyDim = 128, double expansionFactor = 4.0,
        bool causal = false, double attnDropout = 0.1, bool shiftTokens = true)
    {
        var rotary = new RotaryEmbedding(Math.Min(32, queryKeyDim));
        MossFormerBlock[] blocks = [.. Enumerable.Range(0, (int)depth).Select(i => new MossFormerBlock(dim, groupSize, queryKeyDim,
            expansionFactor, i == 0 ? rotary : new RotaryEmbedding(rotary), attnDropout, shiftTokens, causal))];
        layers = RegisterModule("layers", new ModuleList<MossFormerBlock>(blocks));
        Layers = blocks;
    }

    private readonly ModuleList<MossFormerBlock> layers;

    /// <summary>The attention units.</summary>
    public IReadOnlyList<MossFormerBlock> Layers { get; }

    /// <summary>[B, n, d] → [B, n, d].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            var y = layers[i].call(x);                                       // [B, n, d]
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = y;
        }
        return (ReferenceEquals(x, input) ? x.alias() : x).MoveToOuterDisposeScope();
    }
}
