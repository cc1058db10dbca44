using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Per-head affine map of a shared projection: head h = x·gamma[h] + beta[h] (keys <c>gamma</c>, <c>beta</c> [heads, dim]).
/// The heads are returned stacked along a new first dimension.
/// </summary>
public sealed class OffsetScale : Module<Tensor, Tensor>
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

    /// <summary>[..., dim] → [heads, ..., dim] (head h at index h).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var shape = Enumerable.Repeat(1L, (int)x.dim() + 1).ToArray();
        (shape[0], shape[^1]) = (Heads, Gamma.shape[1]);                    // [heads, 1, …, 1, dim]
        return (x.unsqueeze(0) * Gamma.view(shape)).Add(Beta.view(shape)).MoveToOuterDisposeScope();
    }
}
