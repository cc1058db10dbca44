namespace SpeechSeparation.Signal;

/// <summary>
/// Analysis/synthesis windows, computed in double precision. "Periodic" windows are the first N points of the
/// symmetric window of length N + 1 (torch's default, <c>scipy.signal.get_window(..., fftbins=True)</c>).
/// </summary>
public static class Window
{
    /// <summary>Hann: <c>0.5 − 0.5·cos(2πn/M)</c>, M = N (periodic) or N − 1 (symmetric).</summary>
    public static double[] Hann(int length, bool periodic = true) => Cosine(length, periodic, 0.5, 0.5, 0);

    /// <summary>Hamming: <c>α − β·cos(2πn/M)</c> (torch defaults α = 0.54, β = 0.46).</summary>
    public static double[] Hamming(int length, bool periodic = true, double alpha = 0.54, double beta = 0.46) =>
        Cosine(length, periodic, alpha, beta, 0);

    /// <summary>Blackman: <c>0.42 − 0.5·cos(2πn/M) + 0.08·cos(4πn/M)</c>.</summary>
    public static double[] Blackman(int length, bool periodic = true) => Cosine(length, periodic, 0.42, 0.5, 0.08);

    /// <summary>Square root of the Hann window (common in enhancement models so that analysis·synthesis = Hann).</summary>
    public static double[] SqrtHann(int length, bool periodic = true)
    {
        var w = Hann(length, periodic);
        for (int i = 0; i < w.Length; i++) w[i] = Math.Sqrt(w[i]);
        return w;
    }

    /// <summary>All ones (torch's <c>window=None</c>).</summary>
    public static double[] Rectangular(int length)
    {
        CheckLength(length);
        var w = new double[length];
        Array.Fill(w, 1.0);
        return w;
    }

    /// <summary>MATLAB <c>hanning(N)</c> = <c>numpy.hanning(N+2)[1:-1]</c> (pystoi): <c>0.5 − 0.5·cos(2π(n+1)/(N+1))</c>, no zero end points.</summary>
    public static double[] MatlabHanning(int length)
    {
        CheckLength(length);
        var w = new double[length];
        for (int n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * (n + 1) / (length + 1));
        return w;
    }

    /// <summary>Kaiser window <c>I0(β·sqrt(1 − (2n/M − 1)²)) / I0(β)</c>, M = N − 1 (symmetric, as
    /// <c>get_window(('kaiser', β), N, fftbins=False)</c> and <c>numpy.kaiser</c>) or N (periodic).</summary>
    public static double[] Kaiser(int length, double beta, bool periodic = false)
    {
        CheckLength(length);
        var w = new double[length];
        if (length == 1) { w[0] = 1; return w; }
        double m = periodic ? length : length - 1, i0b = BesselI0(beta);
        for (int n = 0; n < length; n++)
        {
            double r = 2.0 * n / m - 1;
            w[n] = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - r * r))) / i0b;
        }
        return w;
    }

    /// <summary>
    /// A window by name, as in configuration files: <c>hann</c>/<c>hanning</c>, <c>hann_symmetric</c>, <c>hamming</c>,
    /// <c>blackman</c>, <c>sqrt_hann</c>, <c>rect</c>/<c>rectangular</c>/<c>boxcar</c>/<c>ones</c>/<c>none</c>,
    /// <c>matlab_hanning</c>, <c>kaiser</c> (β = <paramref name="beta"/>, symmetric). Periodic unless stated.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown window name.</exception>
    public static double[] ByName(string name, int length, double beta = 5.0)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant().Replace('-', '_') switch
        {
            "hann" or "hanning" or "hann_periodic" => Hann(length),
            "hann_symmetric" => Hann(length, periodic: false),
            "hamming" => Hamming(length),
            "hamming_symmetric" => Hamming(length, periodic: false),
            "blackman" => Blackman(length),
            "sqrt_hann" or "sqrthann" or "root_hann" => SqrtHann(length),
            "rect" or "rectangular" or "boxcar" or "ones" or "none" => Rectangular(length),
            "matlab_hanning" => MatlabHanning(length),
            "kaiser" => Kaiser(length, beta),
            _ => throw new ArgumentException($"Unknown window '{name}'.", nameof(name)),
        };
    }

    /// <summary>Modified Bessel function of the first kind, order 0 (power series, double precision).</summary>
    public static double BesselI0(double x)
    {
        double q = x * x / 4, term = 1, sum = 1;
        for (int k = 1; k < 500; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }

    /// <summary>Converts a window to single precision.</summary>
    public static float[] ToSingle(double[] window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var r = new float[window.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)window[i];
        return r;
    }

    private static double[] Cosine(int length, bool periodic, double a0, double a1, double a2)
    {
        CheckLength(length);
        var w = new double[length];
        if (length == 1) { w[0] = 1; return w; }
        double m = periodic ? length : length - 1;
        for (int n = 0; n < length; n++)
        {
            double t = 2 * Math.PI * n / m;
            w[n] = a0 - a1 * Math.Cos(t) + (a2 != 0 ? a2 * Math.Cos(2 * t) : 0);
        }
        return w;
    }

    private static void CheckLength(int length)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "Window length must be at least 1.");
    }
}
