using BenchmarkDotNet.Attributes;
using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Benchmarks.Evaluation;

/// <summary>
/// Each metric on one 10 s, 16 kHz pair (speech-like signal + white noise at about 5 dB), as in metrics.md §8:
/// <c>dotnet run -c Release --project benchmarks/SpeechSeparation.Benchmarks -- --filter '*MetricBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class MetricBenchmarks
{
    private const int Rate = 16000, Samples = 10 * Rate;
    private float[] _clean = [], _noisy = [], _refs2 = [], _ests2 = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1234);
        _clean = new float[Samples];
        var other = new float[Samples];
        double phase = 0, phase2 = 0;
        for (int i = 0; i < Samples; i++)
        {
            // Voiced-speech-like: a gliding harmonic tone with a syllabic (4 Hz) envelope, plus a second "talker".
            phase += 2 * Math.PI * (120 + 30 * Math.Sin(2 * Math.PI * 0.5 * i / Rate)) / Rate;
            phase2 += 2 * Math.PI * (210 + 40 * Math.Sin(2 * Math.PI * 0.3 * i / Rate)) / Rate;
            double env = Math.Max(0, Math.Sin(2 * Math.PI * 4 * i / Rate));
            double env2 = Math.Max(0, Math.Sin(2 * Math.PI * 3 * i / Rate + 1));
            _clean[i] = (float)(env * (Math.Sin(phase) + 0.5 * Math.Sin(2 * phase) + 0.25 * Math.Sin(3 * phase)) * 0.3);
            other[i] = (float)(env2 * (Math.Sin(phase2) + 0.4 * Math.Sin(2 * phase2)) * 0.3);
        }
        double power = _clean.Sum(v => (double)v * v) / Samples;
        double noiseStd = Math.Sqrt(power / Math.Pow(10, 0.5)); // 5 dB SNR
        _noisy = _clean.Select(v => v + (float)(noiseStd * Gaussian(rng))).ToArray();
        _refs2 = _clean.Concat(other).ToArray();
        _ests2 = _clean.Select((v, i) => v + 0.2f * other[i] + (float)(0.02 * Gaussian(rng)))
            .Concat(other.Select((v, i) => v + 0.15f * _clean[i] + (float)(0.02 * Gaussian(rng)))).ToArray();
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Benchmark(Description = "SI-SNR (SpeechBrain formula)")]
    public double SiSnr() => ScaleInvariantSnr.Compute(_clean, _noisy);

    [Benchmark(Description = "SI-SDR (pb_bss)")]
    public double SiSdr() => ScaleInvariantSdr.Compute(_clean, _noisy);

    [Benchmark(Description = "BSS Eval v3, 1 source")]
    public double BssEvalV3OneSource() => BssEvalSources.Evaluate(_clean, _noisy).Sdr;

    [Benchmark(Description = "BSS Eval v3, 2 sources + permutation")]
    public double BssEvalV3TwoSources() => BssEvalSources.Evaluate(_refs2, _ests2, 2).Sdr[0];

    [Benchmark(Description = "BSS Eval v4 framewise, mono, 2 sources, 1 s windows")]
    public double BssEvalV4() => BssEvalImages.Evaluate(_refs2, _ests2, 2, 1, Rate, Rate).Sdr[0];

    [Benchmark(Description = "STOI")]
    public double Stoi() => ShortTimeObjectiveIntelligibility.Compute(_clean, _noisy, Rate);

    [Benchmark(Description = "ESTOI")]
    public double Estoi() => ShortTimeObjectiveIntelligibility.ComputeExtended(_clean, _noisy, Rate);
}
