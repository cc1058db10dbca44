using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// The gate of <see cref="MossFormerBlock"/>: (att_u ⊙ v) ⊙ σ(att_v ⊙ u) from the attention output [att_v | att_u] and the
/// values [v | u] (both [B, n, h]) → [B, n, h/2]. No parameters. With gradients disabled (inference) the gate is
/// computed in the attention map's own storage, which it consumes: the result is a view of it.
/// </summary>
public sealed class AttentionGate : Module<(Tensor Attention, Tensor Values), Tensor>
{
    /// <summary>([att_v | att_u], [v | u]) → (att_u ⊙ v) ⊙ σ(att_v ⊙ u).</summary>
    public override Tensor forward((Tensor Attention, Tensor Values) input)
    {
        using var scope = torch.NewDisposeScope();
        var att = input.Attention.chunk(2, -1);                              // att_v, att_u
        var vu = input.Values.chunk(2, -1);                                  // v, u
        if (torch.is_grad_enabled()) return (att[1] * vu[0] * (att[0] * vu[1]).sigmoid()).MoveToOuterDisposeScope();
        // Inference: no new buffer, at the block's memory peak (four [B, n, h/2] buffers otherwise).
        var gate = att[0].mul_(vu[1]).sigmoid_();                            // σ(att_v ⊙ u)
        return att[1].mul_(vu[0]).mul_(gate).MoveToOuterDisposeScope();      // (att_u ⊙ v) ⊙ gate
    }
}
