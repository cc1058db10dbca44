using TorchSharp.Modules;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// The outputs of <see cref="Frcrn.forward(Tensor)"/>, in upstream's list order (ModelScope's dict names
/// <c>spec_l1, wav_l1, mask_l1, spec_l2, wav_l2, mask_l2</c>), plus the first U-Net's pre-tanh output. Dispose to free them.
/// </summary>
/// <param name="SpecL1">Stage-1 masked spectrum [B, 2F, T].</param>
/// <param name="WavL1">Stage-1 waveform [B, (T−1)·hop + win_len].</param>
/// <param name="MaskL1">Stage-1 mask <c>tanh(u1)</c>, stacked [B, 2F, T].</param>
/// <param name="SpecL2">Stage-2 masked spectrum [B, 2F, T].</param>
/// <param name="WavL2">Stage-2 (final) waveform [B, (T−1)·hop + win_len] — the enhanced output.</param>
/// <param name="MaskL2">Stage-2 mask <c>tanh(u2) + tanh(u1)</c> in (−2, 2), stacked [B, 2F, T].</param>
/// <param name="Unet1Out">First U-Net output before tanh [B, 1, F, T, 2] (also the second U-Net's input).</param>
public sealed record FrcrnOutput(Tensor SpecL1, Tensor WavL1, Tensor MaskL1, Tensor SpecL2, Tensor WavL2, Tensor MaskL2, Tensor Unet1Out) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in new[] { SpecL1, WavL1, MaskL1, SpecL2, WavL2, MaskL2, Unet1Out }) t.Dispose();
    }
}
