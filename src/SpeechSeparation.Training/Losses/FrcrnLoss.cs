using TorchSharp;
using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Training;

/// <summary>The terms of FRCRN's training loss (all differentiable scalars).</summary>
/// <param name="Total"><c>Amplitude + Phase + SiSnr</c> (the "Mix" loss that is optimised).</param>
/// <param name="Amplitude">Mean squared error of the real mask parts times 2F.</param>
/// <param name="Phase">Mean squared error of the imaginary mask parts times 2F.</param>
/// <param name="SiSnr">Minus the batch-mean SI-SNR (no zero-mean) of the stage-2 waveform, in dB.</param>
public sealed record FrcrnLossTerms(Tensor Total, Tensor Amplitude, Tensor Phase, Tensor SiSnr) : IDisposable
{
    /// <summary>Frees the four tensors.</summary>
    public void Dispose()
    {
        Total.Dispose();
        Amplitude.Dispose();
        Phase.Dispose();
        SiSnr.Dispose();
    }
}

/// <summary>
/// FRCRN's training loss (ModelScope <c>FRCRN.loss</c>, ClearerVoice's trainer) on the stage-2 outputs: a cIRM
/// target-mask MSE on the real and imaginary parts plus the time-domain SI-SNR.
/// <para>
/// Target mask (no gradient): <c>M = S / Y</c> as <c>M_re = (S_re Y_re + S_im Y_im) / (|Y|² + 1e-8)</c>,
/// <c>M_im = (S_im Y_re − S_re Y_im) / (|Y|² + 1e-8)</c>, then every entry &gt; 2 set to <b>1</b> and every entry &lt; −2 set
/// to <b>−1</b> (not clamped to ±2). <c>amp = mean((M_re − m_re)²)·2F</c>, <c>phase = mean((M_im − m_im)²)·2F</c>,
/// <c>sisnr = −mean_b SI-SNR(est_wav, clean)</c> with SI-SNR as <see cref="ScaleInvariantSnr"/> without zero-mean.
/// </para>
/// </summary>
public static class FrcrnLoss
{
    /// <summary>The epsilon of the mask denominator and the SI-SNR.</summary>
    public const double Eps = 1e-8;

    private static readonly Scalar Two = 2.ToScalar(), MinusTwo = (-2).ToScalar();   // kept alive: see KeptScalars

    /// <summary>
    /// The cIRM target mask from the clean and noisy stacked spectra <c>[B, 2F, T]</c> (rows 0..F−1 real, F..2F−1
    /// imaginary, as FRCRN's ConvSTFT produces them), with FRCRN's out-of-range rule; returns <c>[B, 2F, T]</c>.
    /// </summary>
    public static Tensor TargetMask(Tensor cleanSpec, Tensor noisySpec)
    {
        ArgumentNullException.ThrowIfNull(cleanSpec);
        ArgumentNullException.ThrowIfNull(noisySpec);
        if (cleanSpec.ndim != 3 || !cleanSpec.shape.AsSpan().SequenceEqual(noisySpec.shape) || cleanSpec.size(1) % 2 != 0)
            throw new ArgumentException($"Expected clean and noisy stacked spectra of the same shape [B, 2F, T]; got [{string.Join(", ", cleanSpec.shape)}] and [{string.Join(", ", noisySpec.shape)}].", nameof(noisySpec));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        long f = cleanSpec.size(1) / 2;
        var sRe = cleanSpec.narrow(1, 0, f);
        var sIm = cleanSpec.narrow(1, f, f);
        var yRe = noisySpec.narrow(1, 0, f);
        var yIm = noisySpec.narrow(1, f, f);
        var power = (yRe * yRe).Add(yIm * yIm).Add(Eps);                     // |Y|² + eps  [B, F, T]
        var mRe = (sRe * yRe).Add(sIm * yIm) / power;
        var mIm = (sIm * yRe - sRe * yIm) / power;
        var m = torch.cat([mRe, mIm], 1);                                  // [B, 2F, T]
        m = m.MaskedFill(m.gt(Two), 1).MaskedFill(m.lt(MinusTwo), -1);
        return m.MoveToOuterDisposeScope();
    }

    /// <summary>The loss terms.</summary>
    /// <param name="cleanSpec">Stacked spectrum of the clean signal <c>[B, 2F, T]</c>.</param>
    /// <param name="noisySpec">Stacked spectrum of the noisy input <c>[B, 2F, T]</c>.</param>
    /// <param name="estimatedMask">Stage-2 mask <c>[B, 2F, T]</c> (<c>est_mask</c> / <c>mask_l2</c>).</param>
    /// <param name="estimatedWave">Stage-2 waveform <c>[B, N]</c> (<c>wav_l2</c>), same length as <paramref name="clean"/>.</param>
    /// <param name="clean">Clean waveform <c>[B, N]</c>.</param>
    public static FrcrnLossTerms Compute(Tensor cleanSpec, Tensor noisySpec, Tensor estimatedMask, Tensor estimatedWave, Tensor clean)
    {
        ArgumentNullException.ThrowIfNull(estimatedMask);
        ArgumentNullException.ThrowIfNull(estimatedWave);
        ArgumentNullException.ThrowIfNull(clean);
        if (!estimatedMask.shape.AsSpan().SequenceEqual(cleanSpec.shape))
            throw new ArgumentException($"The estimated mask [{string.Join(", ", estimatedMask.shape)}] does not match the spectra [{string.Join(", ", cleanSpec.shape)}].", nameof(estimatedMask));
        if (!estimatedWave.shape.AsSpan().SequenceEqual(clean.shape))
            throw new ArgumentException($"FRCRN's SI-SNR term needs the estimate and the clean signal at the same length; got [{string.Join(", ", estimatedWave.shape)}] and [{string.Join(", ", clean.shape)}] (cut both to the training segment).", nameof(estimatedWave));
        using var scope = torch.NewDisposeScope();
        long f = cleanSpec.size(1) / 2;
        double rows = 2 * f;
        var target = TargetMask(cleanSpec, noisySpec);
        var amp = F.mse_loss(estimatedMask.narrow(1, 0, f), target.narrow(1, 0, f)).Mul(rows);
        var phase = F.mse_loss(estimatedMask.narrow(1, f, f), target.narrow(1, f, f)).Mul(rows);
        var sisnr = -ScaleInvariantSnr.Compute(estimatedWave, clean, zeroMean: false, eps: Eps).mean();
        var total = amp.Add(phase).Add(sisnr);
        return new FrcrnLossTerms(total.MoveToOuterDisposeScope(), amp.MoveToOuterDisposeScope(),
            phase.MoveToOuterDisposeScope(), sisnr.MoveToOuterDisposeScope());
    }
}
