using System.Numerics.Tensors;

namespace SpeechSeparation.Evaluation;

/// <summary>Full linear cross-correlation over a limited lag range.</summary>
internal static class CrossCorrelation
{
    /// <summary><c>destination[m + maxLag] = Σ_u x(u)·y(u + m)</c> for <c>m = −maxLag..maxLag</c> (zero outside the signals).</summary>
    public static void Compute(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int maxLag, Span<double> destination)
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
