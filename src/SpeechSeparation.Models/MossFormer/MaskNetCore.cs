using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>The sequence model inside <see cref="MossFormerMaskNet"/> (attribute <c>mdl</c>): [B, N, L] → [B, N, L].</summary>
public abstract class MaskNetCore : Module<Tensor, Tensor>;
