using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>The sequence model inside <see cref="MossFormerMaskNet"/> (attribute <c>mdl</c>): [B, N, L] → [B, N, L].</summary>
public abstract class MaskNetCore : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>Runs the core, reporting intermediates to <paramref name="probe"/>.</summary>
    public abstract Tensor Forward(Tensor input, TensorProbe? probe);
}
