namespace SpeechSeparation.Evaluation.Tests;

public class SeparationFixtureTests
{
    public static TheoryData<string> Folders => new() { "separation_2src_8k", "separation_2src_16k", "separation_3src_8k" };

    private static (float[] Src, float[] Est, float[] Mix, int C) Load(MetricFixture f)
    {
        var s = f.Npy("sources");
        return (s.ToFloatArray(), f.Floats("estimates"), f.Floats("mixture"), (int)s.Shape[0]);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void PermutationInvariantSiSnrMatchesSpeechBrainAndAsteroid(string name)
    {
        var f = new MetricFixture(name);
        var (src, est, mix, c) = Load(f);
        var pit = PermutationInvariantSiSnr.Compute(src, est, c);
        var matrix = f.ExpectedMatrix("si_snr_matrix_ref_by_est");
        for (int i = 0; i < matrix.Length; i++) MetricFixture.Close(matrix[i], pit.Matrix[i], 1e-6, $"matrix[{i}]");
        MetricFixture.Close(f.Expected("sb_pit_si_snr"), pit.Mean, 1e-6, "sb_pit_si_snr");
        MetricFixture.Close(f.Expected("asteroid_pit_si_sdr"), pit.Mean, 1e-6, "asteroid_pit_si_sdr");
        Assert.Equal(MetricFixture.Ints(f.Config.GetProperty("expected").GetProperty("sb_pit_perm")), pit.EstimateToReference);
        Assert.Equal(MetricFixture.Ints(f.Config.GetProperty("expected").GetProperty("asteroid_best_perm")), pit.Permutation);
        MetricFixture.Close(f.Expected("sb_si_snr_mixture"), PermutationInvariantSiSnr.MixtureBaseline(src, mix, c), 1e-6, "mixture");
        MetricFixture.Close(f.Expected("sb_si_snri"), PermutationInvariantSiSnr.Improvement(src, est, mix, c), 1e-6, "si_snri");
        // Asteroid's pairwise matrix is [estimate i, target j] = −SI-SDR.
        var pw = f.ExpectedMatrix("asteroid_pairwise_neg_sisdr");
        for (int i = 0; i < c; i++)
            for (int j = 0; j < c; j++) MetricFixture.Close(pw[i * c + j], -pit.Matrix[j * c + i], 1e-6, "pairwise");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void BssEvalSourcesMatchesMirEval(string name)
    {
        var f = new MetricFixture(name);
        var (src, est, mix, c) = Load(f);
        const double Tol = 1e-4;
        var r = BssEvalSources.Evaluate(src, est, c);
        void Vec(string key, double[] got) { var e = f.ExpectedArray(key); for (int i = 0; i < e.Length; i++) MetricFixture.Close(e[i], got[i], Tol, $"{key}[{i}]"); }
        void Mat(string key, double[]? got) { var e = f.ExpectedMatrix(key); for (int i = 0; i < e.Length; i++) MetricFixture.Close(e[i], got![i], Tol, $"{key}[{i}]"); }
        Vec("bss_sdr", r.Sdr); Vec("bss_sir", r.Sir); Vec("bss_sar", r.Sar);
        Assert.Equal(MetricFixture.Ints(f.Config.GetProperty("expected").GetProperty("bss_perm")), r.Permutation);
        Assert.Equal(f.Npy("expected_bss_perm").ToInt64Array().Select(v => (int)v), r.Permutation);
        Mat("bss_sdr_matrix_est_by_ref", r.SdrMatrix); Mat("bss_sir_matrix_est_by_ref", r.SirMatrix); Mat("bss_sar_matrix_est_by_ref", r.SarMatrix);
        var np = BssEvalSources.Evaluate(src, est, c, computePermutation: false);
        Vec("bss_noperm_sdr", np.Sdr); Vec("bss_noperm_sir", np.Sir); Vec("bss_noperm_sar", np.Sar);
        var mixture = BssEvalSources.EvaluateMixture(src, mix, c);
        Vec("bss_sdr_mixture", mixture.Sdr);
        MetricFixture.Close(f.Expected("sb_sdri"), BssEvalSources.SdrImprovement(src, est, mix, c), Tol, "sb_sdri");
        // The npy outputs hold the same numbers.
        var sdrNpy = f.Doubles("expected_bss_sdr");
        for (int i = 0; i < c; i++) MetricFixture.Close(sdrNpy[i], r.Sdr[i], Tol, "expected_bss_sdr.npy");
    }

    [Fact]
    public void ShufflingTheEstimatesPermutesTheAssignmentOnly()
    {
        var f = new MetricFixture("separation_3src_8k");
        var (src, est, _, c) = Load(f);
        int n = src.Length / c;
        var shuffle = new[] { 2, 0, 1 };
        var shuffled = new float[est.Length];
        for (int i = 0; i < c; i++) est.AsSpan(shuffle[i] * n, n).CopyTo(shuffled.AsSpan(i * n, n));
        var a = PermutationInvariantSiSnr.Compute(src, est, c);
        var b = PermutationInvariantSiSnr.Compute(src, shuffled, c);
        Assert.Equal(a.Mean, b.Mean, 12);
        for (int j = 0; j < c; j++) Assert.Equal(a.Permutation[j], shuffle[b.Permutation[j]]);
        var ba = BssEvalSources.Evaluate(src, est, c);
        var bb = BssEvalSources.Evaluate(src, shuffled, c);
        for (int j = 0; j < c; j++)
        {
            Assert.Equal(ba.Sdr[j], bb.Sdr[j], 9);
            Assert.Equal(ba.Permutation[j], shuffle[bb.Permutation[j]]);
        }
    }

    [Fact]
    public void SingleSourceBssEvalMatchesSpeechPairs()
    {
        var f = new MetricFixture("speech_pairs_8k");
        var clean = f.Npy("clean");
        int k = (int)clean.Shape[0], n = (int)clean.Shape[1];
        var x = clean.ToFloatArray(); var y = f.Floats("estimate"); var m = f.Floats("mixture");
        var sdr = f.Doubles("expected_sdr"); var sar = f.Doubles("expected_sar"); var sir = f.Doubles("expected_sir");
        var sdrMix = f.Doubles("expected_sdr_mixture"); var sdri = f.Doubles("expected_sdri");
        for (int c = 0; c < k; c++)
        {
            var (d, i, a) = BssEvalSources.Evaluate(x.AsSpan(c * n, n), y.AsSpan(c * n, n));
            MetricFixture.Close(sdr[c], d, 1e-4, $"sdr {c}");
            MetricFixture.Close(sir[c], i, 0, $"sir {c}");
            MetricFixture.Close(sar[c], a, 1e-4, $"sar {c}");
            double dm = BssEvalSources.EvaluateMixture(x.AsSpan(c * n, n), m.AsSpan(c * n, n), 1).Sdr[0];
            MetricFixture.Close(sdrMix[c], dm, 1e-4, $"sdr_mixture {c}");
            MetricFixture.Close(sdri[c], d - dm, 1e-4, $"sdri {c}");
        }
    }

    [Fact]
    public void BssEvalRejectsSilentSources()
    {
        var x = Enumerable.Range(0, 2000).Select(i => (float)Math.Sin(i * 0.1)).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => BssEvalSources.Evaluate(x, new float[2000]));
        Assert.Contains("Estimate 0 is all zeros", ex.Message);
        Assert.Throws<ArgumentException>(() => BssEvalSources.Evaluate(new float[2000], x));
        Assert.Throws<ArgumentException>(() => BssEvalSources.Evaluate(x, x.AsSpan(0, 1999)));
    }
}
