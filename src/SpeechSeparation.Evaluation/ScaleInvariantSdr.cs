namespace SpeechSeparation.Evaluation;

/// <summary>
/// Scale-invariant SDR as pb_bss computes it (what <c>asteroid.metrics.get_metrics</c> reports as <c>si_sdr</c>):
/// no mean removal and no epsilon. It differs from <see cref="ScaleInvariantSnr"/> whenever the signals have a
/// non-zero mean.
/// </summary>
/// <remarks>
/// <para><c>α = ⟨x̂, x⟩ / ‖x‖²</c>, <c>SI-SDR = 10·log10(‖α·x‖² / ‖x̂ − α·x‖²)</c>, in float64.
/// An estimate that is an exact multiple of the reference gives +∞.</para>
/// <para>Inputs must have equal lengths and be finite; a silent reference or a silent estimate (0/0 upstream, NaN)
/// raises <see cref="ArgumentException"/>. Thread-safe.</para>
/// </remarks>
public static class ScaleInvariantSdr
{
    /// <summary>SI-SDR in dB of <paramref name="estimate"/> against <paramref name="reference"/>.</summary>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        MetricInput.RequirePair(reference, estimate, allowSilentEstimate: false);
        double dot = 0, rr = 0;
        for (int i = 0; i < reference.Length; i++) { double r = reference[i]; dot += estimate[i] * r; rr += r * r; }
        double alpha = dot / rr, tt = 0, ee = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double t = alpha * reference[i], e = estimate[i] - t;
            tt += t * t; ee += e * e;
        }
        return 10.0 * Math.Log10(tt / ee);
    }

    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    public static double Compute(ReadOnlySpan<double> reference, ReadOnlySpan<double> estimate)
    {
        MetricInput.RequirePair(reference, estimate, allowSilentEstimate: false);
        double dot = 0, rr = 0;
        for (int i = 0; i < reference.Length; i++) { double r = reference[i]; dot += estimate[i] * r; rr += r * r; }
        double alpha = dot / rr, tt = 0, ee = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double t = alpha * reference[i], e = estimate[i] - t;
            tt += t * t; ee += e * e;
        }
        return 10.0 * Math.Log10(tt / ee);
    }

    /// <summary>SI-SDR improvement as Asteroid's evaluation reports it: <c>SI-SDR(x, x̂) − SI-SDR(x, mixture)</c>.</summary>
    public static double Improvement(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, ReadOnlySpan<float> mixture) =>
        Compute(reference, estimate) - Compute(reference, mixture);
}
