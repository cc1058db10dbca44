namespace SpeechSeparation.Evaluation.Tests;

public class ScaleInvariantSnrTests
{
    public static TheoryData<string> Banks => new() { "speech_pairs_8k", "speech_pairs_16k" };

    private static (float[] Clean, float[] Est, float[] Mix, int K, int N) Load(MetricFixture f)
    {
        var clean = f.Npy("clean");
        int k = (int)clean.Shape[0], n = (int)clean.Shape[1];
        return (clean.ToFloatArray(), f.Floats("estimate"), f.Floats("mixture"), k, n);
    }

    [Theory]
    [MemberData(nameof(Banks))]
    public void SiSnrFamilyMatchesReferences(string name)
    {
        var f = new MetricFixture(name);
        var (clean, est, mix, k, n) = Load(f);
        var siSnr = f.Doubles("expected_si_snr");
        var siSnr32 = f.Doubles("expected_si_snr_float32");
        var asteroid = f.Doubles("expected_si_sdr_asteroid_loss");
        var pb = f.Doubles("expected_si_sdr_pb_bss");
        var pbMix = f.Doubles("expected_si_sdr_pb_bss_mixture");
        var pbImp = f.Doubles("expected_si_sdri_pb_bss");
        var mixSnr = f.Doubles("expected_si_snr_mixture");
        var imp = f.Doubles("expected_si_snri");
        for (int c = 0; c < k; c++)
        {
            var x = clean.AsSpan(c * n, n);
            var y = est.AsSpan(c * n, n);
            var m = mix.AsSpan(c * n, n);
            double v = ScaleInvariantSnr.Compute(x, y);
            MetricFixture.Close(siSnr[c], v, 1e-6, $"si_snr case {c}");
            MetricFixture.Close(asteroid[c], v, 1e-6, $"asteroid case {c}");
            MetricFixture.Close(siSnr32[c], v, 2e-3, $"si_snr_float32 case {c}");
            MetricFixture.Close(mixSnr[c], ScaleInvariantSnr.Compute(x, m), 1e-6, $"si_snr_mixture case {c}");
            MetricFixture.Close(imp[c], ScaleInvariantSnr.Improvement(x, y, m), 1e-6, $"si_snri case {c}");
            MetricFixture.Close(pb[c], ScaleInvariantSdr.Compute(x, y), 1e-6, $"pb_bss case {c}");
            MetricFixture.Close(pbMix[c], ScaleInvariantSdr.Compute(x, m), 1e-6, $"pb_bss mixture case {c}");
            MetricFixture.Close(pbImp[c], ScaleInvariantSdr.Improvement(x, y, m), 1e-6, $"pb_bss improvement case {c}");
            // The float64 overload computes the same number.
            var xd = x.ToArray().Select(s => (double)s).ToArray();
            var yd = y.ToArray().Select(s => (double)s).ToArray();
            MetricFixture.Close(siSnr[c], ScaleInvariantSnr.Compute(xd, yd), 1e-6, $"si_snr (double) case {c}");
        }
    }

    [Fact]
    public void ScalingTheEstimateDoesNotChangeSiSnr()
    {
        var rng = new Random(1);
        var x = Enumerable.Range(0, 4000).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var y = x.Select(v => v + 0.3f * (float)(rng.NextDouble() - 0.5)).ToArray();
        double a = ScaleInvariantSnr.Compute(x, y);
        foreach (var g in new[] { 0.01f, 0.5f, 3f, 250f })
        {
            var ys = y.Select(v => v * g).ToArray();
            Assert.Equal(a, ScaleInvariantSnr.Compute(x, ys), 1e-4);
            Assert.Equal(ScaleInvariantSdr.Compute(x, y), ScaleInvariantSdr.Compute(x, ys), 1e-4);
        }
        // Adding an offset changes nothing for the zero-mean SI-SNR.
        var yo = y.Select(v => v + 0.7f).ToArray();
        Assert.Equal(a, ScaleInvariantSnr.Compute(x, yo), 1e-4);
    }

    [Fact]
    public void PerfectEstimateIsLargeAndFiniteByTheEpsilon()
    {
        var rng = new Random(2);
        var x = Enumerable.Range(0, 8000).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double mean = x.Average();
        double energy = x.Sum(v => (v - mean) * (v - mean));
        double v = ScaleInvariantSnr.Compute(x, x);
        Assert.True(double.IsFinite(v));
        // ‖t‖²/(0 + EPS) + EPS with t = s·‖s‖²/(‖s‖² + EPS).
        double alpha = energy / (energy + 1e-8);
        double expected = 10 * Math.Log10(alpha * alpha * energy / 1e-8 + 1e-8);
        Assert.Equal(expected, v, 1e-6);
        Assert.Equal(double.PositiveInfinity, ScaleInvariantSdr.Compute(x, x.Select(s => 2 * s).ToArray()));
        Assert.Equal(double.PositiveInfinity, SignalToNoiseRatio.Compute(x, x));
    }

    [Fact]
    public void SnrMatchesItsDefinition()
    {
        var x = new[] { 1.0, -2.0, 3.0, 0.5 };
        var y = new[] { 1.1, -2.0, 2.8, 0.5 };
        double expected = 10 * Math.Log10((1 + 4 + 9 + 0.25) / (0.01 + 0 + 0.04 + 0));
        Assert.Equal(expected, SignalToNoiseRatio.Compute(x, y), 12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(4095)]
    [InlineData(9998)]
    [InlineData(9999)]
    public void EveryNonFiniteSampleIsFoundWhereverItIs(int position)
    {
        // The finite check scans vector blocks and a scalar tail: a value in either part, of either type, is reported
        // with its own index.
        var reference = Enumerable.Range(0, 10_000).Select(i => MathF.Sin(i * 0.01f)).ToArray();
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var estimate = (float[])reference.Clone();
            estimate[position] = bad;
            var ex = Assert.Throws<ArgumentException>(() => ScaleInvariantSnr.Compute(reference, estimate));
            Assert.Contains($"at sample {position}.", ex.Message);
            var r64 = reference.Select(v => (double)v).ToArray();
            var e64 = estimate.Select(v => (double)v).ToArray();
            ex = Assert.Throws<ArgumentException>(() => ScaleInvariantSnr.Compute(e64, r64));
            Assert.Contains($"at sample {position}.", ex.Message);
            Assert.Equal("reference", ex.ParamName);
        }
        // Largest finite values pass the check.
        var large = (float[])reference.Clone();
        large[position] = float.MaxValue;
        Assert.True(double.IsFinite(ScaleInvariantSnr.Compute(reference, large)));
    }

    [Fact]
    public void InvalidInputsAreRejectedWithClearMessages()
    {
        var x = new float[] { 1, 2, 3 };
        var ex = Assert.Throws<ArgumentException>(() => ScaleInvariantSnr.Compute(x, new float[] { 1, 2 }));
        Assert.Contains("same length", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => ScaleInvariantSnr.Compute(x, new float[] { 1, float.NaN, 3 }));
        Assert.Contains("non-finite", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => ScaleInvariantSnr.Compute(new float[3], x));
        Assert.Contains("all zeros", ex.Message);
        Assert.Throws<ArgumentException>(() => ScaleInvariantSdr.Compute(x, new float[3]));
        Assert.Throws<ArgumentException>(() => ScaleInvariantSnr.Compute(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty));
    }
}
