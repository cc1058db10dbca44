using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// MossFormer's gated single-head attention unit (MossFormer2 calls the same unit <c>FLASH_ShareA_FFConvM</c>):
/// <see cref="TokenShift"/> → <c>to_hidden</c> (v, u) and <c>to_qk</c> → four offset/scale heads with rotary positions →
/// <see cref="JointSelfAttention"/> (chunked quadratic attention, ReLU², ÷ group size, plus global linear attention,
/// ÷ n) → <see cref="AttentionGate"/> <c>(att_u ⊙ v) ⊙ σ(att_v ⊙ u)</c> → <c>x + to_out(·)</c>.
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
        // rotary_pos_emb comes first in upstream's state dict; the parameterless steps add no keys.
        rotary = RegisterModule("rotary_pos_emb", rotaryPosEmb ?? new RotaryEmbedding(Math.Min(32, queryKeyDim)));
        tokenShift = RegisterModule<torch.nn.Module<Tensor, Tensor>>("token_shift", shiftTokens ? new TokenShift() : torch.nn.Identity());
        toHidden = RegisterModule("to_hidden", new FFConvM(dim, hidden, FFConvM.NormKind.ScaleNorm, dropout));
        toQk = RegisterModule("to_qk", new FFConvM(dim, queryKeyDim, FFConvM.NormKind.ScaleNorm, dropout));
        qkOffsetScale = RegisterModule("qk_offset_scale", new OffsetScale(queryKeyDim, heads: 4));
        attention = RegisterModule("attention", new JointSelfAttention(groupSize, dropout));
        gate = RegisterModule("gate", new AttentionGate());
        toOut = RegisterModule("to_out", new FFConvM(hidden / 2, dim, FFConvM.NormKind.ScaleNorm, dropout));
    }

    private readonly RotaryEmbedding rotary;
    private readonly torch.nn.Module<Tensor, Tensor> tokenShift;
    private readonly FFConvM toHidden, toQk, toOut;
    private readonly OffsetScale qkOffsetScale;
    private readonly JointSelfAttention attention;
    private readonly AttentionGate gate;

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
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = tokenShift.call(input);                                      // [B, n, d]
        var vu = toHidden.call(x);                                           // [B, n, h] = [v | u]
        var qk = toQk.call(x);                                               // [B, n, q]
        var heads = qkOffsetScale.call(qk);                                  // [4, B, n, q]: quad_q, lin_q, quad_k, lin_k
        heads = rotary.call(heads);                                          // rotated by position
        var att = attention.call((heads, vu));                               // [B, n, h] = [att_v | att_u]
        var gated = gate.call((att, vu));                                    // [B, n, h/2] = (att_u ⊙ v) ⊙ σ(att_v ⊙ u)
        att.Dispose(); vu.Dispose();                                         // the two [B, n, h] maps go before the output FFN
        return input.Add(toOut.call(gated)).MoveToOuterDisposeScope();      // [B, n, d]
    }
}
