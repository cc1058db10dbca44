namespace SpeechSeparation.Evaluation.Tests;

public class BssEvalImagesTests
{
    [Theory]
    [InlineData("museval_v4_mono_8k")]
    [InlineData("museval_v4_stereo_silent_8k")]
    public void FramewiseCriteriaMatchMuseval(string name)
    {
        var f = new MetricFixture(name);
        var refs = f.Npy("references");
        int s = (int)refs.Shape[0], t = (int)refs.Shape[1], c = (int)refs.Shape[2];
        var p = f.Config.GetProperty("params");
        int window = p.GetProperty("window").GetInt32(), hop = p.GetProperty("hop").GetInt32();
        var r = BssEvalImages.Evaluate(refs.ToFloatArray(), f.Floats("estimates"), s, c, window, hop, p.GetProperty("filters_len").GetInt32());
        Assert.Equal(f.Config.GetProperty("expected").GetProperty("nwin").GetInt32(), r.Windows);
        Assert.Equal(r.Windows, BssEvalImages.WindowCount(t, window, hop));
        foreach (var (key, got) in new[] { ("sdr", r.Sdr), ("isr", r.Isr), ("sir", r.Sir), ("sar", r.Sar) })
        {
            var expected = f.Doubles("expected_" + key);
            Assert.Equal(expected.Length, got.Length);
            for (int i = 0; i < expected.Length; i++) MetricFixture.Close(expected[i], got[i], 1e-3, $"{key}[{i}]");
            var med = f.Config.GetProperty("expected").GetProperty("median_over_windows").GetProperty(key);
            var gotMed = r.MedianOverWindows(got);
            var expMed = MetricFixture.Numbers(med);
            for (int j = 0; j < s; j++) MetricFixture.Close(expMed[j], gotMed[j], 1e-3, $"median {key}[{j}]");
        }
    }

    [Fact]
    public void WindowCountDropsTheTrailingPartialWindow()
    {
        Assert.Equal(3, BssEvalImages.WindowCount(28000, 8000, 8000));
        Assert.Equal(1, BssEvalImages.WindowCount(5000, 8000, 8000));
        Assert.Equal(2, BssEvalImages.WindowCount(16000, 8000, 8000));
    }
}

public class SpectralEnergyTests
{
    [Theory]
    [InlineData(64, 50)]
    [InlineData(17280, 16511)]
    [InlineData(30, 30)] // spectrum length not a multiple of four
    public void ParsevalEnergiesEqualTimeDomainSums(int nfft, int len)
    {
        var rng = new Random(nfft);
        double[] Signal() { var v = new double[nfft]; for (int i = 0; i < len; i++) v[i] = rng.NextDouble() - 0.5; return v; }
        var x = Signal(); var y = Signal(); var pj = Signal(); var pall = Signal();
        var plan = SpeechSeparation.Signal.RealFftPlan<double>.Get(nfft);
        double[] Spec(double[] v) { var s = new double[nfft + 2]; plan.Forward(v, s); return s; }
        var e = new double[7];
        BssEvalImages.SpectralEnergies(Spec(x), Spec(y), Spec(pj), Spec(pall), nfft, e);
        var expected = new double[7];
        for (int i = 0; i < nfft; i++)
        {
            double d1 = pj[i] - x[i], d2 = pall[i] - pj[i], d3 = y[i] - pall[i], d4 = y[i] - x[i];
            expected[0] += x[i] * x[i]; expected[1] += d1 * d1; expected[2] += d2 * d2; expected[3] += d3 * d3;
            expected[4] += d4 * d4; expected[5] += pj[i] * pj[i]; expected[6] += pall[i] * pall[i];
        }
        for (int q = 0; q < 7; q++) Assert.True(Math.Abs(e[q] - expected[q]) <= 1e-12 * expected[q], $"{q}: {e[q]} vs {expected[q]}");
    }
}
