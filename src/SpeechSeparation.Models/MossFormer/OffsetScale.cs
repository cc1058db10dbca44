using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Per-head affine map of a shared projection: head h = x·gamma[h] + beta[h] (keys <c>gamma</c>, <c>beta</c> [heads, dim]).
/// </summary>
public sealed class OffsetScale : Module<Tensor, Tensor[]>
{
    /// <summary>Creates the map (gamma ~ N(0, 0.02), beta = 0, as upstream).</summary>
    public OffsetScale(long dim, long heads = 1)
    {
        using (var g = torch.empty([heads, dim]))
            Gamma = RegisterParameter("gamma", new Parameter(g.normal_(0, 0.02)))!;
        using (var b = torch.zeros(heads, dim))
            Beta = RegisterParameter("beta", new Parameter(b))!;
        Heads = heads;
    }

    /// <summary>Number of heads.</summary>
    public long Heads { get; }
    /// <summary>[heads, dim]</summary>
    public Parameter Gamma { get; }
    /// <summary>[heads, dim]</summary>
    public Parameter Beta { get; }

    /// <summary>[..., dim] → one tensor per head, each [..., dim].</summary>
    public override Tensor[] forward(Tensor x)
    {
        var heads = new Tensor[Heads];
        using var scope = torch.NewDisposeScope();
        for (int h = 0; h < Heads; h++)
            heads[h] = (x * Gamma.select(0, h)).Add(Beta.select(0, h)).MoveToOuterDisposeScope();
        return heads;
    }
}
