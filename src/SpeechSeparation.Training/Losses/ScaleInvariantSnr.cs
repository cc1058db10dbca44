using SpeechSeparation.Tensors;

namespace SpeechSeparation.Training;

/// <summary>
/// Scale-invariant signal-to-noise ratio on tensors, differentiable (autograd), time on the last axis.
/// <para>
/// With <c>s</c> the reference and <c>e</c> the estimate (both zero-meaned over time first when
/// <c>zeroMean</c> is set, as SpeechBrain's <c>cal_si_snr</c> does; FRCRN's training loss does not):
/// <code>
/// P     = &lt;e, s&gt; · s / (&lt;s, s&gt; + eps)
/// N     = e − P
/// SISNR = 10·log10(&lt;P, P&gt; / (&lt;N, N&gt; + eps) + eps)
/// </code>
/// A silent reference or estimate gives 10·log10(eps) (−80 dB for eps = 1e-8).
/// </para>
/// </summary>
public static class ScaleInvariantSnr
{
    /// <summary>The epsilon SpeechBrain and FRCRN use in all three places.</summary>
    public const double DefaultEps = 1e-8;

    /// <summary>
    /// SI-SNR in dB of <paramref name="estimate"/> against <paramref name="target"/> over the last axis; the leading axes
    /// broadcast (e.g. <c>[B, C, 1, T]</c> against <c>[B, 1, C, T]</c> gives every pair <c>[B, C, C]</c>).
    /// </summary>
    /// <param name="estimate">Estimated signals <c>[..., T]</c>.</param>
    /// <param name="target">Reference signals <c>[..., T]</c>.</param>
    /// <param name="zeroMean">Subtract the mean over time (sum / T) from both signals first.</param>
    /// <param name="eps">The epsilon added to both energies and to the ratio.</param>
    /// <returns>SI-SNR in dB with the time axis removed.</returns>
    public static Tensor Compute(Tensor estimate, Tensor target, bool zeroMean = true, double eps = DefaultEps)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(target);
        long t = target.size(-1);
        if (estimate.size(-1) != t)
            throw new ArgumentException($"Estimate and reference differ in length ({estimate.size(-1)} vs {t} samples).", nameof(estimate));
        using var scope = torch.NewDisposeScope();
        var s = target;
        var e = estimate;
        if (zeroMean)
        {
            s = s - s.sum(-1, keepdim: true).Div(t);                     // [..., T]
            e = e - e.sum(-1, keepdim: true).Div(t);
        }
        var dot = (e * s).sum(-1, keepdim: true);                     // [..., 1]
        var energy = (s * s).sum(-1, keepdim: true).Add(eps);         // [..., 1]
        var projection = dot * s / energy;                            // [..., T]
        var noise = e - projection;
        var ratio = (projection * projection).sum(-1) / (noise * noise).sum(-1).Add(eps);
        return ratio.Add(eps).log10().Mul(10).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// SI-SNR improvement in dB: <c>SISNR(estimate, target) − SISNR(mixture, target)</c> over the last axis (the
    /// separation metric reported by the MossFormer papers; zero-mean by default).
    /// </summary>
    public static Tensor Improvement(Tensor estimate, Tensor target, Tensor mixture, bool zeroMean = true, double eps = DefaultEps)
    {
        ArgumentNullException.ThrowIfNull(mixture);
        using var scope = torch.NewDisposeScope();
        return (Compute(estimate, target, zeroMean, eps) - Compute(mixture, target, zeroMean, eps)).MoveToOuterDisposeScope();
    }
}
