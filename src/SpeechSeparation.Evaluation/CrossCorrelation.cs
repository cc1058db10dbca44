using System.Numerics.Tensors;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// Linear cross-correlation over a limited lag range, <c>c(m) = Σ_u x(u)·y(u + m)</c>, by direct sums (the reference the
/// FFT engines are tested against; <see cref="BlockedCorrelation"/> computes it for long signals), and the FFT length rule
/// the BSS Eval projections use.
/// </summary>
internal static class CrossCorrelation
{
    /// <summary>The smallest even length ≥ <paramref name="need"/> whose prime factors are 2, 3 and 5 (fast mixed-radix FFTs).</summary>
    internal static int FastLength(int need)
    {
        long best = 2;
        while (best < need) best <<= 1;
        for (long p5 = 1; p5 < best; p5 *= 5)
            for (long p35 = p5; p35 < best; p35 *= 3)
            {
                long v = p35 * 2;
                while (v < need) v <<= 1;
                if (v < best) best = v;
            }
        return (int)best;
    }

    /// <summary>Cross-correlation by direct sums, lags −<paramref name="maxLag"/>…<paramref name="maxLag"/> into
    /// <paramref name="destination"/> (<c>2·maxLag + 1</c> values).</summary>
    public static void Direct(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int maxLag, Span<double> destination)
    {
        for (int m = -maxLag; m <= maxLag; m++)
        {
            double v;
            if (m >= 0)
            {
                int len = Math.Min(x.Length, y.Length - m);
                v = len > 0 ? TensorPrimitives.Dot(x[..len], y.Slice(m, len)) : 0;
            }
            else
            {
                int len = Math.Min(x.Length + m, y.Length);
                v = len > 0 ? TensorPrimitives.Dot(x.Slice(-m, len), y[..len]) : 0;
            }
            destination[m + maxLag] = v;
        }
    }
}
