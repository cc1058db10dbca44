namespace SpeechSeparation.Signal;

/// <summary>A second-order IIR section (Direct Form I) with the RBJ audio-EQ-cookbook low- and high-pass designs (Q = 1/√2).</summary>
public sealed class Biquad
{
    private readonly double _b0, _b1, _b2, _a1, _a2;

    private Biquad(double b0, double b1, double b2, double a0, double a1, double a2) =>
        (_b0, _b1, _b2, _a1, _a2) = (b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0);

    /// <summary>Butterworth low-pass at <paramref name="cutoff"/> Hz.</summary>
    public static Biquad LowPass(double cutoff, int sampleRate)
    {
        var (cos, alpha) = Prewarp(cutoff, sampleRate);
        return new((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }

    /// <summary>Butterworth high-pass at <paramref name="cutoff"/> Hz.</summary>
    public static Biquad HighPass(double cutoff, int sampleRate)
    {
        var (cos, alpha) = Prewarp(cutoff, sampleRate);
        return new((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }

    private static (double Cos, double Alpha) Prewarp(double cutoff, int sampleRate)
    {
        if (cutoff <= 0 || cutoff >= sampleRate / 2.0)
            throw new ArgumentOutOfRangeException(nameof(cutoff), $"Cut-off {cutoff} Hz must lie strictly between 0 and Nyquist ({sampleRate / 2.0} Hz).");
        double w = 2 * Math.PI * cutoff / sampleRate;
        return (Math.Cos(w), Math.Sin(w) / (2 * Math.Sqrt(0.5)));
    }

    /// <summary>Filters <paramref name="x"/> in place from zero state.</summary>
    public void Process(Span<float> x)
    {
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double x0 = x[i];
            double y0 = _b0 * x0 + _b1 * x1 + _b2 * x2 - _a1 * y1 - _a2 * y2;
            x[i] = (float)y0;
            (x2, x1, y2, y1) = (x1, x0, y1, y0);
        }
    }
}
