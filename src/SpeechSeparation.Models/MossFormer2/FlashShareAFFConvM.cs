using SpeechSeparation.Models.MossFormer;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// MossFormer2's attention layer <c>FLASH_ShareA_FFConvM</c>: the same gated single-head attention unit as MossFormer's
/// <see cref="MossFormerBlock"/> (same keys, same maths; see there).
/// </summary>
public sealed class FlashShareAFFConvM : MossFormerBlock
{
    /// <summary>Creates the layer (arguments as <see cref="MossFormerBlock"/>).</summary>
    public FlashShareAFFConvM(long dim, long groupSize = 256, long queryKeyDim = 128, double expansionFactor = 4.0,
        RotaryEmbedding? rotaryPosEmb = null, double dropout = 0.1, bool shiftTokens = true, bool causal = false)
        : base(dim, groupSize, queryKeyDim, expansionFactor, rotaryPosEmb, dropout, shiftTokens, causal) { }
}
