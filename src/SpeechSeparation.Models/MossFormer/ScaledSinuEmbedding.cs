using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Scaled sinusoidal position embedding: <c>emb[t] = cat(sin(t·inv_freq), cos(t·inv_freq)) · scale</c>
/// (sin block first). Keys <c>scale</c> [1] (learned) and <c>inv_freq</c> [dim/2] (persistent buffer, loaded from the
/// checkpoint).
/// </summary>
public sealed class ScaledSinuEmbedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the embedding for <paramref name="dim"/> (even) features.</summary>
    public ScaledSinuEmbedding(long dim)
    {
        using (var one = torch.ones(1))
            Scale = RegisterParameter("scale", new Parameter(one))!;
        var inv = new float[dim / 2];
        for (int i = 0; i < inv.Length; i++) inv[i] = 1f / MathF.Pow(10000f, (float)(2 * i) / dim);
        InvFreq = RegisterBuffer("inv_freq", torch.tensor(inv));
        KeepDtype("inv_freq");
    }

    /// <summary>Learned scale [1].</summary>
    public Parameter Scale { get; }
    /// <summary>Inverse frequencies [dim/2]; they keep their dtype when the module is converted (positions times
    /// frequencies need more than bfloat16's 8 bits).</summary>
    public Tensor InvFreq { get; }

    /// <summary>Embedding for <paramref name="length"/> frames: [L, dim], in the dtype of <see cref="Scale"/> (the
    /// sinusoids themselves are computed in <see cref="InvFreq"/>'s dtype, float32 after a bfloat16 conversion).</summary>
    public Tensor ForLength(long length)
    {
        using var scope = torch.NewDisposeScope();
        var t = KeptScalars.Arange(length, InvFreq.dtype, InvFreq.device);  // [L]
        var sinu = t.unsqueeze(1) * InvFreq.unsqueeze(0);                     // [L, dim/2]
        var emb = torch.cat([sinu.sin(), sinu.cos()], -1);                    // [L, dim]
        if (emb.dtype != Scale.dtype) emb = emb.to(Scale.dtype);
        return (emb * Scale).MoveToOuterDisposeScope();
    }

    /// <summary>[B, L, dim] (only L is used) → [L, dim].</summary>
    public override Tensor forward(Tensor input) => ForLength(input.shape[1]);
}
