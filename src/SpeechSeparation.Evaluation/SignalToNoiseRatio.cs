namespace SpeechSeparation.Evaluation;

/// <summary>
/// Plain signal-to-noise ratio of an estimate: <c>SNR = 10·log10(‖x‖² / ‖x − x̂‖²)</c> in dB (no scaling, no mean removal,
/// float64 accumulation). A perfect estimate gives +∞.
/// </summary>
/// <remarks>Inputs must have equal lengths and be finite, and the reference must not be silent. Thread-safe.</remarks>
public static class SignalToNoiseRatio
{
    /// <summary>SNR in dB of <paramref name="estimate"/> against <paramref name="reference"/>.</summary>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        MetricInput.RequirePair(reference, estimate);
        double s = 0, e = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double r = reference[i], d = r - estimate[i];
            s += r * r; e += d * d;
        }
        return 10.0 * Math.Log10(s / e);
    }

    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    public static double Compute(ReadOnlySpan<double> reference, ReadOnlySpan<double> estimate)
    {
        MetricInput.RequirePair(reference, estimate);
        double s = 0, e = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double r = reference[i], d = r - estimate[i];
            s += r * r; e += d * d;
        }
        return 10.0 * Math.Log10(s / e);
    }

    /// <summary>SNR improvement: <c>SNR(x, x̂) − SNR(x, mixture)</c>.</summary>
    public static double Improvement(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, ReadOnlySpan<float> mixture) =>
        Compute(reference, estimate) - Compute(reference, mixture);
}
