namespace SpeechSeparation.Training.Data;

/// <summary>
/// Recording-condition augmentation for dynamic mixing, drawn per example so a small model meets many channels:
/// each source may be band-limited on its own (telephone- or codec-like: a second-order high-pass at 50–300 Hz and a
/// low-pass between 45 % and 95 % of Nyquist, RBJ biquads), the mixture may carry mild white noise (the targets stay
/// clean), and the whole example may be scaled (the loss is scale-invariant; the model's input level is not).
/// </summary>
/// <param name="BandLimitProbability">Chance that a source is band-limited.</param>
/// <param name="NoiseProbability">Chance that white noise is added to the mixture.</param>
/// <param name="NoiseSnrDb">Range of the mixture-to-noise ratio when noise is added.</param>
/// <param name="LevelDb">Range of an overall level change applied to mixture and targets alike (null: none).</param>
public sealed record MixtureAugmentation(double BandLimitProbability = 0, double NoiseProbability = 0,
    (double Min, double Max)? NoiseSnrDb = null, (double Min, double Max)? LevelDb = null)
{
    /// <summary>Band-limits <paramref name="source"/> in place, with probability <see cref="BandLimitProbability"/>.</summary>
    public void ApplyToSource(float[] source, int sampleRate, Random rng)
    {
        if (BandLimitProbability <= 0 || rng.NextDouble() >= BandLimitProbability) return;
        double nyquist = sampleRate / 2.0;
        double highPass = 50 + rng.NextDouble() * 250;
        double lowPass = nyquist * (0.45 + rng.NextDouble() * 0.5);
        Biquad.HighPass(highPass, sampleRate).Process(source);
        Biquad.LowPass(lowPass, sampleRate).Process(source);
    }

    /// <summary>Adds noise to the mixture and applies the level change to mixture and sources (in place).</summary>
    public void ApplyToExample(float[] mixture, float[][] sources, Random rng)
    {
        if (NoiseProbability > 0 && rng.NextDouble() < NoiseProbability)
        {
            var (lo, hi) = NoiseSnrDb ?? (20, 40);
            double snr = lo + rng.NextDouble() * (hi - lo);
            double power = 0;
            foreach (var v in mixture) power += (double)v * v;
            power /= Math.Max(1, mixture.Length);
            double sigma = Math.Sqrt(power / Math.Pow(10, snr / 10));
            for (int i = 0; i < mixture.Length; i++) mixture[i] += (float)(sigma * Gaussian(rng));
        }
        if (LevelDb is { } level)
        {
            float g = (float)Math.Pow(10, (level.Min + rng.NextDouble() * (level.Max - level.Min)) / 20);
            for (int i = 0; i < mixture.Length; i++) mixture[i] *= g;
            foreach (var s in sources)
                for (int i = 0; i < s.Length; i++) s[i] *= g;
        }
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

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

    /// <summary>The complex gain at <paramref name="frequency"/> Hz, |H(e^{jω})|.</summary>
    public double Magnitude(double frequency, int sampleRate)
    {
        var z = System.Numerics.Complex.FromPolarCoordinates(1, -2 * Math.PI * frequency / sampleRate); // z⁻¹
        var num = _b0 + _b1 * z + _b2 * z * z;
        var den = 1 + _a1 * z + _a2 * z * z;
        return (num / den).Magnitude;
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
