using System.Numerics.Tensors;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// Full linear cross-correlation over a limited lag range, <c>c(m) = Σ_u x(u)·y(u + m)</c>, either by direct sums or
/// through real FFTs long enough that nothing wraps (as mir_eval computes its Gram matrices).
/// </summary>
internal sealed class CrossCorrelation
{
    private readonly RealFftPlan<double> _plan;

    /// <summary>An FFT engine for signals of up to <paramref name="signalLength"/> samples and lags below <paramref name="maxLag"/>.</summary>
    public CrossCorrelation(int signalLength, int maxLag)
    {
        int n = FastLength(signalLength + maxLag);
        Size = n;
        _plan = RealFftPlan<double>.Get(n);
    }

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

    /// <summary>FFT size.</summary>
    public int Size { get; }

    /// <summary>The one-sided spectrum (interleaved complex) of a zero-padded signal.</summary>
    public double[] Spectrum(ReadOnlySpan<double> x)
    {
        var padded = new double[Size];
        x.CopyTo(padded);
        var spec = new double[2 * (Size / 2 + 1)];
        _plan.Forward(padded, spec);
        return spec;
    }

    /// <summary><c>destination[m + maxLag] = Σ_u x(u)·y(u + m)</c> for <c>m = −maxLag..maxLag</c>, from the two spectra.</summary>
    public void Correlate(ReadOnlySpan<double> spectrumX, ReadOnlySpan<double> spectrumY, int maxLag, Span<double> destination)
    {
        var prodArr = System.Buffers.ArrayPool<double>.Shared.Rent(spectrumX.Length);
        var rArr = System.Buffers.ArrayPool<double>.Shared.Rent(Size);
        var prod = prodArr.AsSpan(0, spectrumX.Length);
        for (int k = 0; k < prod.Length; k += 2)
        {
            double ar = spectrumX[k], ai = spectrumX[k + 1], br = spectrumY[k], bi = spectrumY[k + 1];
            // conj(X)·Y
            prod[k] = ar * br + ai * bi;
            prod[k + 1] = ar * bi - ai * br;
        }
        var r = rArr.AsSpan(0, Size);
        _plan.Inverse(prod, r);
        for (int m = -maxLag; m <= maxLag; m++) destination[m + maxLag] = r[m >= 0 ? m : Size + m];
        System.Buffers.ArrayPool<double>.Shared.Return(rArr);
        System.Buffers.ArrayPool<double>.Shared.Return(prodArr);
    }

    /// <summary>The same by direct sums (reference implementation, used for short signals and in tests).</summary>
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
