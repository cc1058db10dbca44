namespace SpeechSeparation.Benchmarks.Signal;

/// <summary>Deterministic test signals for the signal benchmarks (speech-like: noise-modulated harmonics).</summary>
internal static class SignalBenchmarkData
{
    public static float[] Audio(int seconds, int rate, int seed = 1)
    {
        var rng = new Random(seed);
        var x = new float[seconds * rate];
        double phase = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double f0 = 120 + 40 * Math.Sin(2 * Math.PI * 0.5 * i / rate);
            phase += 2 * Math.PI * f0 / rate;
            x[i] = (float)(0.3 * Math.Sin(phase) + 0.1 * Math.Sin(3 * phase) + 0.02 * (rng.NextDouble() - 0.5));
        }
        return x;
    }
}
