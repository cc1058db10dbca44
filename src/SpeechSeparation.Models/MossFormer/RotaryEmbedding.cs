using TorchSharp.Modules;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Rotary position embedding (lucidrains' <c>RotaryEmbedding(dim)</c> with its defaults: theta 10000, 'lang'
/// frequencies, interleaved pairs). Key <c>freqs</c> [dim/2]; load it from the checkpoint.
/// </summary>
/// <remarks>
/// Upstream one instance is shared by every attention layer, so the state dict repeats <c>freqs</c> under each layer.
/// Here the first layer owns the parameter and the others hold the same tensor (see
/// <see cref="RotaryEmbedding(RotaryEmbedding)"/>): the keys appear once per layer but the parameter is counted once,
/// as in PyTorch.
/// </remarks>
public sealed class RotaryEmbedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the embedding rotating the first <paramref name="dim"/> features.</summary>
    public RotaryEmbedding(long dim, double theta = 10000)
    {
        Dim = dim;
        var f = new float[dim / 2];
        for (int i = 0; i < f.Length; i++) f[i] = 1f / MathF.Pow((float)theta, (float)(2 * i) / dim);
        using var t = torch.tensor(f);
        var p = new Parameter(t, requires_grad: false);
        RegisterParameter("freqs", p);
        KeepDtype("freqs");
        Freqs = p;
    }

    /// <summary>A view of <paramref name="owner"/> for another layer: same <c>freqs</c> tensor, registered as a
    /// persistent buffer so it is saved and loaded under this layer's name but counted once.</summary>
    public RotaryEmbedding(RotaryEmbedding owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        Dim = owner.Dim;
        Freqs = RegisterBuffer("freqs", owner.Freqs);
        KeepDtype("freqs");
    }

    /// <summary>Number of rotated features.</summary>
    public long Dim { get; }
    /// <summary>Frequencies [dim/2]. They keep their dtype when the module is converted (<c>to(dtype)</c>):
    /// positions times frequencies need more than bfloat16's 8 bits.</summary>
    public Tensor Freqs { get; }

    /// <summary>
    /// Rotates <paramref name="t"/> [..., n, F] by position (0..n−1 along dim −2): features (2i, 2i+1), i &lt; dim/2, by
    /// the angle pos·freqs[i]; features ≥ dim unchanged.
    /// </summary>
    public Tensor RotateQueriesOrKeys(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var (cos, sin) = Angles(t.shape[^2], t.dtype, t.device);
        return Apply(t, cos, sin).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// cos and sin tables [n, dim] (each angle repeated for its feature pair) in <paramref name="dtype"/>. For half and
    /// bfloat16 the angles are computed in float32 and only the tables are rounded (a bfloat16 position above 256 or a
    /// bfloat16 angle of hundreds of radians would be off by whole radians).
    /// </summary>
    public (Tensor cos, Tensor sin) Angles(long n, ScalarType dtype, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var compute = dtype is ScalarType.BFloat16 or ScalarType.Float16 ? ScalarType.Float32 : dtype;
        var f = Freqs.to(compute, device);
        var pos = KeptScalars.Arange(n, compute, device);                  // [n]
        var ang = pos.unsqueeze(1) * f.unsqueeze(0);                       // [n, dim/2]
        ang = ang.unsqueeze(-1).expand(n, Dim / 2, 2).reshape(n, Dim);     // [n, dim] (pairs)
        return (ang.cos().to(dtype).MoveToOuterDisposeScope(), ang.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>Applies precomputed tables (<see cref="Angles"/>) to <paramref name="t"/> [..., n, F].</summary>
    public Tensor Apply(Tensor t, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        long features = t.shape[^1];
        var rot = t.narrow(-1, 0, Dim);                                    // [..., n, dim]
        var pairs = rot.reshape([.. rot.shape[..^1], Dim / 2, 2]);         // [..., n, dim/2, 2]
        var x1 = pairs.select(-1, 0);
        var x2 = pairs.select(-1, 1);
        var half = torch.stack([-x2, x1], -1).flatten(-2);                 // rotate_half
        var outRot = (rot * cos).Add(half * sin);
        var result = features > Dim ? torch.cat([outRot, t.narrow(-1, Dim, features - Dim)], -1) : outRot;
        return result.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => RotateQueriesOrKeys(input);
}
