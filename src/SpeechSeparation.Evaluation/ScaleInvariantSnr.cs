namespace SpeechSeparation.Evaluation;

/// <summary>
/// Scale-invariant signal-to-noise ratio as SpeechBrain's <c>cal_si_snr</c> and Asteroid's <c>SingleSrcNegSDR("sisdr")</c>
/// compute it (negated there, as a loss): both signals are made zero-mean, the estimate is projected on the reference,
/// and <see cref="Epsilon"/> is added in three places, so identical signals give a large finite value, never +∞.
/// </summary>
/// <remarks>
/// <para><c>SI-SNR = 10·log10(‖α·s‖² / (‖ŝ − α·s‖² + ε) + ε)</c> with <c>s</c>, <c>ŝ</c> the zero-mean reference and
/// estimate and <c>α = ⟨ŝ, s⟩ / (‖s‖² + ε)</c>. All sums are accumulated in float64 whatever the input type.</para>
/// <para>Inputs must have equal lengths, be finite, and the reference must not be all zeros (<see cref="ArgumentException"/>).
/// A silent estimate is allowed (it scores about −80 dB). Thread-safe: no shared state.</para>
/// </remarks>
public static class ScaleInvariantSnr
{
    /// <summary>The fixed epsilon of SpeechBrain and Asteroid (1e-8).</summary>
    public const double Epsilon = 1e-8;

    /// <summary>SI-SNR in dB of <paramref name="estimate"/> against <paramref name="reference"/>.</summary>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        MetricInput.RequirePair(reference, estimate);
        return ComputeUnchecked(reference, estimate);
    }

    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    public static double Compute(ReadOnlySpan<double> reference, ReadOnlySpan<double> estimate)
    {
        MetricInput.RequirePair(reference, estimate);
        return ComputeUnchecked(reference, estimate);
    }

    /// <summary>
    /// SI-SNR improvement: <c>SI-SNR(reference, estimate) − SI-SNR(reference, mixture)</c> (the enhancement case of the
    /// SpeechBrain and Asteroid recipes).
    /// </summary>
    public static double Improvement(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, ReadOnlySpan<float> mixture)
    {
        MetricInput.RequirePair(reference, estimate);
        MetricInput.RequireSameLength(reference.Length, mixture.Length, "reference", "mixture");
        MetricInput.RequireFinite(mixture, nameof(mixture));
        return ComputeUnchecked(reference, estimate) - ComputeUnchecked(reference, mixture);
    }

    /// <summary>SI-SNR of every (reference, estimate) pair of equal-length spans, written to <paramref name="destination"/>.</summary>
    /// <param name="references">Row-major <c>[count, length]</c> references.</param>
    /// <param name="estimates">Row-major <c>[count, length]</c> estimates.</param>
    /// <param name="count">Number of pairs.</param>
    /// <param name="destination">Receives <paramref name="count"/> values.</param>
    public static void ComputeBatch(ReadOnlySpan<float> references, ReadOnlySpan<float> estimates, int count, Span<double> destination)
    {
        int n = MetricInput.RequireSources(references, count, nameof(references));
        MetricInput.RequireSameLength(references.Length, estimates.Length, "references", "estimates");
        if (destination.Length < count) throw new ArgumentException($"The destination holds {destination.Length} values; {count} are needed.", nameof(destination));
        for (int k = 0; k < count; k++) destination[k] = Compute(references.Slice(k * n, n), estimates.Slice(k * n, n));
    }

    internal static double ComputeUnchecked(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        // One pass for the raw moments; the centred sums follow algebraically. That form cancels when the signals have a
        // large mean or the estimate is almost exactly a scaled reference (noise energy ≲ 1e-6 of the signal energy,
        // SI-SNR ≳ 60 dB): those cases take the three exact passes, so every result stays within ~1e-9 dB of them.
        int n = reference.Length;
        var m = WideningSums.Moments(reference, estimate);
        double mr = m.X / n, me = m.Y / n;
        double rr = m.Xx - mr * m.X, yy = m.Yy - me * m.Y, dot = m.Xy - mr * m.Y;
        double alpha = dot / (rr + Epsilon);
        double tt = alpha * alpha * rr;
        double ee = yy - 2 * alpha * dot + tt;
        const double Margin = 1e-6;
        if (rr > Margin * m.Xx && ee > Margin * (m.Yy + alpha * alpha * m.Xx))
            return 10.0 * Math.Log10(tt / (ee + Epsilon) + Epsilon);
        return ExactPasses(reference, estimate);
    }

    /// <summary>The three-pass form (centre, project, energies), each sum widened to float64.</summary>
    internal static double ExactPasses(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        int n = reference.Length;
        var (sr, se) = WideningSums.Sums(reference, estimate);
        double mr = sr / n, me = se / n;
        var (dot, rr) = WideningSums.CenteredDot(reference, estimate, mr, me);
        double alpha = dot / (rr + Epsilon);
        var (tt, ee) = WideningSums.ProjectionEnergies(reference, estimate, mr, me, alpha);
        return 10.0 * Math.Log10(tt / (ee + Epsilon) + Epsilon);
    }

    internal static double ComputeUnchecked(ReadOnlySpan<double> reference, ReadOnlySpan<double> estimate)
    {
        int n = reference.Length;
        double sr = 0, se = 0;
        for (int i = 0; i < n; i++) { sr += reference[i]; se += estimate[i]; }
        double mr = sr / n, me = se / n;
        double dot = 0, rr = 0;
        for (int i = 0; i < n; i++)
        {
            double r = reference[i] - mr, e = estimate[i] - me;
            dot += e * r;
            rr += r * r;
        }
        double alpha = dot / (rr + Epsilon);
        double tt = 0, ee = 0;
        for (int i = 0; i < n; i++)
        {
            double t = alpha * (reference[i] - mr);
            double e = estimate[i] - me - t;
            tt += t * t;
            ee += e * e;
        }
        return 10.0 * Math.Log10(tt / (ee + Epsilon) + Epsilon);
    }
}
