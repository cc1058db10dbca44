using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// MossFormer's gated single-head attention unit (MossFormer2 calls the same unit <c>FLASH_ShareA_FFConvM</c>):
/// token shift → <c>to_hidden</c> (v, u) and <c>to_qk</c> → four offset/scale heads with rotary positions →
/// chunked quadratic attention (ReLU², ÷ group size) plus global linear attention (÷ n) → gate
/// <c>(att_u ⊙ v) ⊙ σ(att_v ⊙ u)</c> → <c>x + to_out(·)</c>.
/// Keys: <c>rotary_pos_emb.freqs</c>, <c>to_hidden.mdl.*</c>, <c>to_qk.mdl.*</c>, <c>qk_offset_scale.gamma/beta</c>,
/// <c>to_out.mdl.*</c>.
/// </summary>
public class MossFormerBlock : Module<Tensor, Tensor>
{
    /// <summary>Creates the unit.</summary>
    /// <param name="dim">Model width d.</param>
    /// <param name="groupSize">Chunk length g of the quadratic attention.</param>
    /// <param name="queryKeyDim">Width of the shared query/key projection.</param>
    /// <param name="expansionFactor">Hidden width h = d·e; v and u have h/2 features each.</param>
    /// <param name="rotaryPosEmb">The rotary embedding of this layer (shared across layers, see <see cref="RotaryEmbedding"/>).</param>
    /// <param name="dropout">Dropout of the FFConvM blocks and the attention matrix (training only).</param>
    /// <param name="shiftTokens">Delay the first half of the features by one frame.</param>
    /// <param name="causal">Causal attention (not supported by this port; the published models are non-causal).</param>
    public MossFormerBlock(long dim, long groupSize = 256, long queryKeyDim = 128, double expansionFactor = 4.0,
        RotaryEmbedding? rotaryPosEmb = null, double dropout = 0.1, bool shiftTokens = true, bool causal = false)
    {
        if (causal) throw new NotSupportedException("MossFormerBlock: the causal variant is not implemented (the published models are non-causal).");
        long hidden = (long)(dim * expansionFactor);
        (Dim, GroupSize, QueryKeyDim, HiddenDim, ShiftTokens, DropoutP) = (dim, groupSize, queryKeyDim, hidden, shiftTokens, dropout);
        rotary = RegisterModule("rotary_pos_emb", rotaryPosEmb ?? new RotaryEmbedding(Math.Min(32, queryKeyDim)));
        toHidden = RegisterModule("to_hidden", new FFConvM(dim, hidden, FFConvM.NormKind.ScaleNorm, dropout));
        toQk = RegisterModule("to_qk", new FFConvM(dim, queryKeyDim, FFConvM.NormKind.ScaleNorm, dropout));
        qkOffsetScale = RegisterModule("qk_offset_scale", new OffsetScale(queryKeyDim, heads: 4));
        toOut = RegisterModule("to_out", new FFConvM(hidden / 2, dim, FFConvM.NormKind.ScaleNorm, dropout));
    }

    private readonly RotaryEmbedding rotary;
    private readonly FFConvM toHidden, toQk, toOut;
    private readonly OffsetScale qkOffsetScale;

    /// <summary>Model width d.</summary>
    public long Dim { get; }
    /// <summary>Chunk length of the quadratic attention.</summary>
    public long GroupSize { get; }
    /// <summary>Query/key width.</summary>
    public long QueryKeyDim { get; }
    /// <summary>Hidden width h (v and u have h/2 each).</summary>
    public long HiddenDim { get; }
    /// <summary>Whether the token shift is applied.</summary>
    public bool ShiftTokens { get; }
    /// <summary>Dropout probability (training only).</summary>
    public double DropoutP { get; }

    /// <summary>[B, n, d] → [B, n, d].</summary>
    public override Tensor forward(Tensor input) => forward(input, null);

    /// <summary>
    /// As <see cref="forward(Tensor)"/>, reporting <c>token_shifted_x</c>, <c>to_hidden_out</c>, <c>qk</c>,
    /// <c>offset_scale_out</c> and <c>rotated</c> (the four heads stacked: quad_q, lin_q, quad_k, lin_k), <c>att_v</c>,
    /// <c>att_u</c>, <c>gated</c>, <c>to_out_out</c>.
    /// </summary>
    public Tensor forward(Tensor input, TensorProbe? probe)
    {
        using var scope = torch.NewDisposeScope();
        var x = ShiftTokens ? TokenShift(input) : input;                     // [B, n, d]
        probe?.Invoke("token_shifted_x", x);
        var hidden = toHidden.forward(x);                                    // [B, n, h] = [v | u]
        probe?.Invoke("to_hidden_out", hidden);
        var qk = toQk.forward(x);                                            // [B, n, q]
        probe?.Invoke("qk", qk);
        var heads = qkOffsetScale.forward(qk);                               // 4 × [B, n, q]
        if (probe is not null) probe("offset_scale_out", torch.stack(heads, 0));
        var (cos, sin) = rotary.Angles(input.shape[1], qk.dtype, qk.device);
        for (int i = 0; i < heads.Length; i++) heads[i] = rotary.Apply(heads[i], cos, sin);
        if (probe is not null) probe("rotated", torch.stack(heads, 0));
        var att = Attention(heads[0], heads[1], heads[2], heads[3], hidden); // [B, n, h] = [att_v | att_u]
        var vu = hidden.chunk(2, -1);
        var attVu = att.chunk(2, -1);
        probe?.Invoke("att_v", attVu[0]);
        probe?.Invoke("att_u", attVu[1]);
        var gated = attVu[1] * vu[0] * (attVu[0] * vu[1]).sigmoid();         // (att_u·v)·σ(att_v·u)  [B, n, h/2]
        probe?.Invoke("gated", gated);
        var o = toOut.forward(gated);                                        // [B, n, d]
        probe?.Invoke("to_out_out", o);
        return input.Add(o).MoveToOuterDisposeScope();
    }

    /// <summary>Delays the first half of the features by one frame (frame 0 becomes 0).</summary>
    public static Tensor TokenShift(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var parts = x.chunk(2, -1);
        var shifted = F.pad(parts[0], [0, 0, 1, -1]);                        // [B, n, ⌈d/2⌉]
        return torch.cat([shifted, parts[1]], -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Quadratic attention within chunks of <see cref="GroupSize"/> frames plus linear attention over the whole sequence,
    /// applied to v and u at once (<paramref name="vu"/> = [v | u], [B, n, h]). Returns [att_v | att_u] [B, n, h].
    /// Upstream zero-pads the sequence to a whole number of groups; zero keys add nothing and padded queries are cut off
    /// again, so the last, shorter group is computed at its own length instead (same values, no padded copies of the
    /// [n, h] activations).
    /// </summary>
    private Tensor Attention(Tensor quadQ, Tensor linQ, Tensor quadK, Tensor linK, Tensor vu)
    {
        using var scope = torch.NewDisposeScope();
        long b = vu.shape[0], n = vu.shape[1], g = GroupSize;
        // linear (global): KV = Σ_t k_t ⊗ vu_t / n, then Q_lin·KV for every frame
        var kv = linK.transpose(1, 2).matmul(vu).Div(n);                        // [B, q, h]
        var att = linQ.matmul(kv);                                           // [B, n, h]
        // quadratic, per group: A = ReLU(Q Kᵀ / g)², A·vu added to att inside the GEMM
        var qs = quadQ.Mul(1.0 / g).contiguous();                           // scale the [n, q] side, not the [n, g] product
        var ks = quadK.contiguous();
        var vs = vu.contiguous();
        long whole = n / g * g;
        for (long i = 0; i < b; i++)
        {
            var (qi, ki, vi, ai) = (qs.select(0, i), ks.select(0, i), vs.select(0, i), att.select(0, i)); // [n, ·] each
            if (whole > 0) AddQuadratic(ai.narrow(0, 0, whole), qi.narrow(0, 0, whole), ki.narrow(0, 0, whole), vi.narrow(0, 0, whole), g);
            if (whole < n) AddQuadratic(ai.narrow(0, whole, n - whole), qi.narrow(0, whole, n - whole), ki.narrow(0, whole, n - whole), vi.narrow(0, whole, n - whole), n - whole);
        }
        return att.MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="output"/> += ReLU(Q Kᵀ)²·V within consecutive groups of <paramref name="size"/> frames
    /// (Q already divided by the group size). All tensors are contiguous [m, ·] with m a multiple of size.</summary>
    private void AddQuadratic(Tensor output, Tensor q, Tensor k, Tensor v, long size)
    {
        using var scope = torch.NewDisposeScope();
        long groups = q.shape[0] / size;
        var qq = q.view(groups, size, q.shape[1]);
        var kk = k.view(groups, size, k.shape[1]);
        var relu = F.relu(qq.bmm(kk.transpose(1, 2)));                        // [G, s, s]
        var attn = relu * relu;                                               // squared (x·x: no scalar argument, see HourglassSeparator.Analyse)
        if (training && DropoutP > 0) attn = F.dropout(attn, DropoutP, true);
        output.view(groups, size, output.shape[1]).AddInPlace(attn.bmm(v.view(groups, size, v.shape[1])));
    }
}
