namespace SpeechSeparation.Evaluation.Tests;

public class StoiTests
{
    private static void AllClose(double[] expected, double[] got, double tol, string what)
    {
        Assert.Equal(expected.Length, got.Length);
        double max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - got[i]));
        Assert.True(max <= tol, $"{what}: max |diff| {max:G3} > {tol:G3}");
    }

    [Fact]
    public void IntermediateArraysMatchPystoi()
    {
        var f = new MetricFixture("stoi_internals_16k");
        int fs = f.Config.GetProperty("sample_rate").GetInt32();
        var clean = f.Floats("clean").Select(v => (double)v).ToArray();
        var degraded = f.Floats("degraded").Select(v => (double)v).ToArray();
        AllClose(f.Doubles("resample_window"), SpeechSeparation.Signal.Resampler.OctaveWindow(ShortTimeObjectiveIntelligibility.InternalRate, fs), 1e-9, "resample_window");
        var (x, y) = ShortTimeObjectiveIntelligibility.Resample(clean, degraded, fs);
        AllClose(f.Doubles("clean_10k"), x, 1e-9, "clean_10k");
        AllClose(f.Doubles("degraded_10k"), y, 1e-9, "degraded_10k");
        var (xs, ys) = ShortTimeObjectiveIntelligibility.RemoveSilentFrames(x, y);
        AllClose(f.Doubles("clean_nosilence"), xs, 1e-9, "clean_nosilence");
        AllClose(f.Doubles("degraded_nosilence"), ys, 1e-9, "degraded_nosilence");
        var (obm, cf) = ShortTimeObjectiveIntelligibility.OctaveBandMatrix();
        AllClose(f.Doubles("octave_band_matrix"), obm, 0, "octave_band_matrix");
        AllClose(f.Doubles("center_frequencies"), cf, 1e-9, "center_frequencies");
        var xt = ShortTimeObjectiveIntelligibility.BandEnvelopes(xs);
        var yt = ShortTimeObjectiveIntelligibility.BandEnvelopes(ys);
        AllClose(f.Doubles("clean_tob"), xt, 1e-9, "clean_tob");
        AllClose(f.Doubles("degraded_tob"), yt, 1e-9, "degraded_tob");
        int frames = xt.Length / ShortTimeObjectiveIntelligibility.Bands;
        Assert.Equal(f.Config.GetProperty("expected").GetProperty("num_frames_after_vad").GetInt32(), frames);
        Assert.Equal(f.Config.GetProperty("expected").GetProperty("num_segments").GetInt32(), frames - 29);
        MetricFixture.Close(f.Expected("stoi"), ShortTimeObjectiveIntelligibility.Compute(clean, degraded, fs), 1e-6, "stoi");
        MetricFixture.Close(f.Expected("estoi"), ShortTimeObjectiveIntelligibility.Compute(clean, degraded, fs, extended: true), 1e-6, "estoi");
    }

    [Theory]
    [InlineData("speech_pairs_8k")]
    [InlineData("speech_pairs_16k")]
    public void SpeechPairsMatchPystoi(string name)
    {
        var f = new MetricFixture(name);
        int fs = f.Config.GetProperty("sample_rate").GetInt32();
        var clean = f.Npy("clean");
        int k = (int)clean.Shape[0], n = (int)clean.Shape[1];
        var x = clean.ToFloatArray(); var y = f.Floats("estimate");
        var stoi = f.Doubles("expected_stoi"); var estoi = f.Doubles("expected_estoi");
        for (int c = 0; c < k; c++)
        {
            MetricFixture.Close(stoi[c], ShortTimeObjectiveIntelligibility.Compute(x.AsSpan(c * n, n), y.AsSpan(c * n, n), fs), 1e-6, $"stoi {c}");
            MetricFixture.Close(estoi[c], ShortTimeObjectiveIntelligibility.ComputeExtended(x.AsSpan(c * n, n), y.AsSpan(c * n, n), fs), 1e-6, $"estoi {c}");
        }
    }

    [Fact]
    public void EdgeCasesMatchPystoi()
    {
        var f = new MetricFixture("stoi_edge_cases");
        foreach (var c in f.Config.GetProperty("cases").EnumerateArray())
        {
            int fs = c.GetProperty("fs").GetInt32();
            var x = f.Floats(c.GetProperty("clean").GetString()!);
            var y = f.Floats(c.GetProperty("degraded").GetString()!);
            string name = c.GetProperty("name").GetString()!;
            MetricFixture.Close(c.GetProperty("stoi").GetDouble(), ShortTimeObjectiveIntelligibility.Compute(x, y, fs), 1e-6, name + " stoi");
            if (c.TryGetProperty("estoi", out var e))
                MetricFixture.Close(e.GetDouble(), ShortTimeObjectiveIntelligibility.ComputeExtended(x, y, fs), 1e-6, name + " estoi");
        }
        var ex = Assert.Throws<ArgumentException>(() => ShortTimeObjectiveIntelligibility.Compute(new float[100], new float[99], 16000));
        Assert.Contains("same length", ex.Message);
    }

    [Fact]
    public void ScalingTheDegradedSignalDoesNotChangeStoi()
    {
        var f = new MetricFixture("stoi_internals_16k");
        var x = f.Floats("clean"); var y = f.Floats("degraded");
        double a = ShortTimeObjectiveIntelligibility.Compute(x, y, 16000);
        double b = ShortTimeObjectiveIntelligibility.Compute(x, y.Select(v => v * 7.5f).ToArray(), 16000);
        Assert.Equal(a, b, 6);
    }
}
