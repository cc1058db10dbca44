using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>The sequence model inside <see cref="MossFormerMaskNet"/> (attribute <c>mdl</c>): [B, N, L] → [B, N, L].</summary>
public abstract class MaskNetCore : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor forward(Tensor input) => forward(input, null);

    /// <summary>Runs the core, reporting intermediates to <paramref name="probe"/>.</summary>
    public abstract Tensor forward(Tensor input, TensorProbe? probe);
}
