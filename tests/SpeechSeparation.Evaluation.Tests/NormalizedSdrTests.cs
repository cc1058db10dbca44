namespace SpeechSeparation.Evaluation.Tests;

public class NormalizedSdrTests
{
    [Fact]
    public void ClipsAndGlobalValuesMatchTheReference()
    {
        var f = new MetricFixture("nsdr_gnsdr_16k");
        var g = new GlobalNsdr();
        foreach (var clip in f.Config.GetProperty("clips").EnumerateArray())
        {
            int k = clip.GetProperty("index").GetInt32();
            var acc = f.Floats($"clip{k}_accompaniment");
            var voice = f.Floats($"clip{k}_voice");
            var refs = acc.Concat(voice).ToArray();
            var est = f.Npy($"clip{k}_estimates");
            var r = NormalizedSdr.Evaluate(refs, f.Floats($"clip{k}_mixture"), est.ToFloatArray(), 2);
            Assert.Equal(clip.GetProperty("length").GetInt32(), r.Length);
            Assert.Equal(MetricFixture.Ints(clip.GetProperty("perm")), r.Permutation);
            foreach (var (key, got) in new[] { ("sdr", r.Sdr), ("sir", r.Sir), ("sar", r.Sar), ("sdr_mixed", r.SdrMixture), ("nsdr", r.Nsdr) })
            {
                var e = MetricFixture.Numbers(clip.GetProperty(key));
                for (int j = 0; j < 2; j++) MetricFixture.Close(e[j], got[j], 1e-3, $"clip {k} {key}[{j}]");
            }
            g.Add(r);
        }
        foreach (var (key, got) in new[] { ("gnsdr", g.Gnsdr), ("gsir", g.Gsir), ("gsar", g.Gsar) })
        {
            var e = f.ExpectedArray(key);
            for (int j = 0; j < 2; j++) MetricFixture.Close(e[j], got[j], 1e-3, $"{key}[{j}]");
        }
    }

    [Fact]
    public void LongerEstimatesAreRejected()
    {
        var refs = Enumerable.Range(0, 2000).Select(i => (float)Math.Sin(i * 0.05 + (i >= 1000 ? 1 : 0))).ToArray();
        var mix = new float[1000];
        var est = new float[2 * 1200];
        var ex = Assert.Throws<ArgumentException>(() => NormalizedSdr.Evaluate(refs, mix, est, 2));
        Assert.Contains("more than the references", ex.Message);
    }
}
