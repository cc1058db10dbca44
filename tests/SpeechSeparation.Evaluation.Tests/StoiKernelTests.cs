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
}
