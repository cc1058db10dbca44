namespace SpeechSeparation.Signal;

/// <summary>Output-stage protection against clipping: a soft clipper and a peak limiter.</summary>
public static class Dynamics
{
    /// <summary>
    /// Soft clipping in place: samples with <c>|x| ≤ threshold</c> pass unchanged; above it the excess is compressed
    /// with <c>tanh</c> so the output approaches (never exceeds) <paramref name="ceiling"/>, continuous with slope 1 at the
    /// threshold.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Unless <c>0 &lt; threshold &lt; ceiling</c>.</exception>
    public static void SoftClip(Span<float> x, double threshold = 0.9, double ceiling = 1.0)
    {
        if (!(threshold > 0 && threshold < ceiling))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"Need 0 < threshold < ceiling ({ceiling}).");
        double range = ceiling - threshold;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i], a = Math.Abs(v);
            if (a <= threshold) continue;
            double y = threshold + range * Math.Tanh((a - threshold) / range);
            x[i] = (float)Math.CopySign(Math.Min(y, ceiling), v);
        }
    }

    /// <summary>
    /// Peak limiter in place with look-ahead: the gain drops linearly over <paramref name="lookAhead"/> samples before a
    /// peak so that no output sample exceeds <paramref name="ceiling"/>, and recovers exponentially with time constant
    /// <paramref name="releaseSamples"/>. Signals already below the ceiling are unchanged.
    /// </summary>
    public static void Limit(Span<float> x, double ceiling = 0.99, int lookAhead = 64, double releaseSamples = 2000)
    {
        if (!(ceiling > 0)) throw new ArgumentOutOfRangeException(nameof(ceiling), ceiling, "The ceiling must be positive.");
        if (lookAhead < 0) throw new ArgumentOutOfRangeException(nameof(lookAhead), lookAhead, "Look-ahead cannot be negative.");
        if (!(releaseSamples > 0)) throw new ArgumentOutOfRangeException(nameof(releaseSamples), releaseSamples, "Release must be positive.");
        int n = x.Length;
        if (n == 0) return;
        // required gain per sample, then spread backwards (attack ramp) and forwards (release)
        var g = new double[n];
        bool any = false;
        for (int i = 0; i < n; i++)
        {
            double a = Math.Abs(x[i]);
            g[i] = a > ceiling ? ceiling / a : 1.0;
            any |= g[i] < 1;
        }
        if (!any) return;
        // attack: each sample's gain is at most a linear ramp towards a future peak's gain
        if (lookAhead > 0)
        {
            var req = (double[])g.Clone();
            for (int i = 0; i < n; i++)
            {
                if (req[i] >= 1) continue;
                for (int j = 1; j <= lookAhead && i - j >= 0; j++)
                {
                    double ramp = req[i] + (1 - req[i]) * j / (lookAhead + 1);
                    if (ramp < g[i - j]) g[i - j] = ramp;
                }
            }
        }
        // release: gain may rise only exponentially
        double coef = Math.Exp(-1.0 / releaseSamples), cur = g[0];
        for (int i = 0; i < n; i++)
        {
            double released = 1 - (1 - cur) * coef;
            cur = Math.Min(g[i], released);
            x[i] = (float)(x[i] * cur);
            if (Math.Abs(x[i]) > ceiling) x[i] = (float)Math.CopySign(ceiling, x[i]);
        }
    }
}
