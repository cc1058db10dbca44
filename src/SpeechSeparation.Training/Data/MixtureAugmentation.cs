using SpeechSeparation.Signal;

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
        if (NoiseProbability > 0 && rng.NextDouble() < NoiseProbability && Level.Rms(mixture) > 0)
        {
            var (lo, hi) = NoiseSnrDb ?? (20, 40);
            double snr = lo + rng.NextDouble() * (hi - lo);
            var noise = new float[mixture.Length];
            for (int i = 0; i < noise.Length; i++) noise[i] = (float)Gaussian(rng);
            Mixer.MixAtSnr(mixture, noise, snr, mixture);
        }
        if (LevelDb is { } level)
        {
            double g = Level.FromDecibels(level.Min + rng.NextDouble() * (level.Max - level.Min));
            Level.ApplyGain(mixture, g);
            foreach (var s in sources) Level.ApplyGain(s, g);
        }
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
