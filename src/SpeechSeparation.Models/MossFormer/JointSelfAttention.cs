using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// The joint local and global single-head attention of <see cref="MossFormerBlock"/>: quadratic attention within chunks
/// of <see cref="GroupSize"/> frames (ReLU², queries ÷ group size) plus linear attention over the whole sequence (÷ n),
/// applied to v and u at once. Input: the rotated heads [4, B, n, q] (quad_q, lin_q, quad_k, lin_k) and the values
/// [v | u] [B, n, h]; output [att_v | att_u] [B, n, h]. No parameters.
/// </summary>
/// <remarks>
/// Upstream zero-pads the sequence to a whole number of groups; zero keys add nothing and padded queries are cut off
/// again, so the last, shorter group is computed at its own length instead (same values, no padded copies of the
/// [n, h] activations). The quadratic products are accumulated into the linear-attention output inside the GEMM.
/// </remarks>
public sealed class JointSelfAttention : Module<(Tensor Heads, Tensor Values), Tensor>
{
    /// <summary>Creates the attention.</summary>
    /// <param name="groupSize">Chunk length g of the quadratic attention.</param>
    /// <param name="dropout">Dropout of the attention matrix (training only).</param>
    public JointSelfAttention(long groupSize, double dropout) => (GroupSize, DropoutP) = (groupSize, dropout);

    /// <summary>Chunk length of the quadratic attention.</summary>
    public long GroupSize { get; }
    /// <summary>Dropout probability of the attention matrix (training only).</summary>
    public double DropoutP { get; }

    /// <summary>(heads [4, B, n, q], [v | u] [B, n, h]) → [att_v | att_u] [B, n, h].</summary>
    public override Tensor forward((Tensor Heads, Tensor Values) input)
    {
        using var scope = torch.NewDisposeScope();
        var (heads, vu) = input;
        var (quadQ, linQ, quadK, linK) = (heads.select(0, 0), heads.select(0, 1), heads.select(0, 2), heads.select(0, 3));
        long b = vu.shape[0], n = vu.shape[1], g = GroupSize;
        // linear (global): KV = Σ_t k_t ⊗ vu_t / n, then Q_lin·KV for every frame
        var kv = linK.transpose(1, 2).matmul(vu).Div(n);                     // [B, q, h]
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

    private const long GroupsPerProduct = 4;

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
        // A·V added a few groups at a time: one [G, s, h] product would be a whole [n, h] buffer at the block's peak.
        var o = output.view(groups, size, output.shape[1]);
        var vv = v.view(groups, size, v.shape[1]);
        for (long g0 = 0; g0 < groups; g0 += GroupsPerProduct)
        {
            long m = Math.Min(GroupsPerProduct, groups - g0);
            using var product = attn.narrow(0, g0, m).bmm(vv.narrow(0, g0, m));  // freed at once, not at the scope's end
            o.narrow(0, g0, m).AddInPlace(product);
        }
    }
}
