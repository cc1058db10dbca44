using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation.Tests;

public class StoiKernelTests
{
    [Theory]
    [InlineData(16000, 3001)]  // 5 phases: one five-phase group
    [InlineData(8000, 1999)]   // 5 phases, stride 4
    [InlineData(44100, 4410)]  // 100 phases: twenty groups
    [InlineData(22050, 2205)]  // 200 phases
    [InlineData(20000, 777)]   // 1 phase: the one-phase kernel only
    [InlineData(12000, 50)]    // 5 phases, input shorter than the kernel
    public void PolyphaseKernelMatchesTheResampler(int rate, int length)
    {
        var rng = new Random(rate + length);
        var x = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var rs = Resampler.Octave(rate, ShortTimeObjectiveIntelligibility.InternalRate);
        var expected = rs.Process(x.Select(v => (double)v).ToArray());
        var fromFloat = StoiKernels.Resample(rs, x);
        var fromDouble = StoiKernels.Resample(rs, x.Select(v => (double)v).ToArray());
        Assert.Equal(expected.Length, fromFloat.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - fromFloat[i]) <= 1e-13 * scale, $"sample {i}: {expected[i]} vs {fromFloat[i]}");
            Assert.Equal(fromFloat[i], fromDouble[i]);
        }
    }

    [Theory]
    [InlineData(37)] // a partial last group of four frames
    [InlineData(40)]
    public void BandEnvelopesMatchADirectDft(int frames)
    {
        const int L = ShortTimeObjectiveIntelligibility.FrameLength, H = L / 2, N = ShortTimeObjectiveIntelligibility.FftSize;
        int len = (frames - 1) * H + L + 1; // the last frame must start before len − L
        var rng = new Random(frames);
        var x = Enumerable.Range(0, len).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var y = Enumerable.Range(0, len).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var (xt, yt) = ShortTimeObjectiveIntelligibility.BandEnvelopePair(x, y);
        Assert.Equal(ShortTimeObjectiveIntelligibility.FrameCount(len), frames);
        var (obm, _) = ShortTimeObjectiveIntelligibility.OctaveBandMatrix();
        int bins = N / 2 + 1;
        foreach (var (sig, env) in new[] { (x, xt), (y, yt) })
            for (int f = 0; f < frames; f++)
            {
                var power = new double[bins];
                for (int k = 0; k < bins; k++)
                {
                    double re = 0, im = 0;
                    for (int n = 0; n < L; n++)
                    {
                        double v = (0.5 - 0.5 * Math.Cos(2 * Math.PI * (n + 1) / (L + 1))) * sig[f * H + n];
                        re += v * Math.Cos(2 * Math.PI * k * n / N); im -= v * Math.Sin(2 * Math.PI * k * n / N);
                    }
                    power[k] = re * re + im * im;
                }
                for (int b = 0; b < ShortTimeObjectiveIntelligibility.Bands; b++)
                {
                    double e = 0;
                    for (int k = 0; k < bins; k++) e += obm[b * bins + k] * power[k];
                    Assert.True(Math.Abs(Math.Sqrt(e) - env[b * frames + f]) <= 1e-12 * (1 + Math.Sqrt(e)), $"frame {f} band {b}");
                }
            }
    }
}
