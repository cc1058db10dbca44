using System.Numerics;

namespace SpeechSeparation.Signal;

/// <summary>
/// Allocating convenience wrappers over the cached <see cref="FftPlan{T}"/> / <see cref="RealFftPlan{T}"/>
/// (NumPy conventions: forward unnormalised, inverse scaled by 1/N). Use the plans directly for allocation-free calls.
/// </summary>
public static class Fft
{
    /// <summary>Complex FFT (any length).</summary>
    public static Complex[] Forward(ReadOnlySpan<Complex> x)
    {
        var r = new Complex[x.Length];
        if (x.Length > 0) FftPlan<double>.Get(x.Length).Forward(x, r);
        return r;
    }

    /// <summary>Inverse complex FFT scaled by 1/N.</summary>
    public static Complex[] Inverse(ReadOnlySpan<Complex> x)
    {
        var r = new Complex[x.Length];
        if (x.Length > 0) FftPlan<double>.Get(x.Length).Inverse(x, r);
        return r;
    }

    /// <summary>One-sided FFT of a real signal: <c>N/2 + 1</c> bins (<c>numpy.fft.rfft</c>); <paramref name="n"/> zero-pads or truncates.</summary>
    public static Complex[] RealForward(ReadOnlySpan<double> x, int? n = null)
    {
        int len = n ?? x.Length;
        if (len < 1) throw new ArgumentOutOfRangeException(nameof(n), len, "FFT length must be at least 1.");
        var plan = RealFftPlan<double>.Get(len);
        var r = new Complex[plan.Bins];
        if (x.Length >= len) plan.Forward(x[..len], r);
        else
        {
            var padded = new double[len];
            x.CopyTo(padded);
            plan.Forward(padded, r);
        }
        return r;
    }

    /// <summary>One-sided FFT of a real float signal.</summary>
    public static Complex[] RealForward(ReadOnlySpan<float> x, int? n = null)
    {
        var d = new double[x.Length];
        for (int i = 0; i < d.Length; i++) d[i] = x[i];
        return RealForward(d, n);
    }

    /// <summary>Inverse of <see cref="RealForward(ReadOnlySpan{double}, int?)"/> to <paramref name="n"/> real samples (<c>numpy.fft.irfft</c>;
    /// default <c>2·(bins − 1)</c>); missing bins are zero, extra bins ignored.</summary>
    public static double[] RealInverse(ReadOnlySpan<Complex> spectrum, int? n = null)
    {
        int len = n ?? 2 * (spectrum.Length - 1);
        if (len < 1) throw new ArgumentOutOfRangeException(nameof(n), len, "Output length must be at least 1.");
        var plan = RealFftPlan<double>.Get(len);
        var spec = new Complex[plan.Bins];
        spectrum[..Math.Min(spectrum.Length, spec.Length)].CopyTo(spec);
        var r = new double[len];
        plan.Inverse(spec, r);
        return r;
    }
}
