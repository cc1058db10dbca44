using System.Text.Json;
using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Conformance.Metrics;

/// <summary>
/// <c>kind: metric-separation</c>: <c>sources [C, N]</c>, <c>estimates [C, N]</c> (any order), <c>mixture [N]</c>; PIT SI-SNR
/// (SpeechBrain and Asteroid conventions), BSS Eval v3 with and without permutation, mixture baselines and improvements,
/// all under <c>expected</c> in config.json. Keys it does not know are ignored.
/// </summary>
internal sealed class MetricSeparationHandler : IFixtureHandler
{
    public string Name => "metric-separation";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "metric-separation";

    public void Run(Fixture fixture, FixtureReport report)
    {
        var srcT = fixture.Array("inputs", "sources");
        int c = (int)srcT.Shape[0];
        var src = srcT.ToFloatArray();
        var est = fixture.Array("inputs", "estimates").ToFloatArray();
        var mix = fixture.Array("inputs", "mixture").ToFloatArray();
        var expected = fixture.Config.GetProperty("expected");

        var pit = new Lazy<PermutationInvariantResult>(() => PermutationInvariantSiSnr.Compute(src, est, c));
        var bss = new Lazy<BssEvalResult>(() => BssEvalSources.Evaluate(src, est, c));
        var bssNoPerm = new Lazy<BssEvalResult>(() => BssEvalSources.Evaluate(src, est, c, computePermutation: false));
        var bssMix = new Lazy<BssEvalResult>(() => BssEvalSources.EvaluateMixture(src, mix, c));
        var pitMix = new Lazy<double>(() => PermutationInvariantSiSnr.MixtureBaseline(src, mix, c));

        double[]? Values(string key) => key switch
        {
            "sb_pit_si_snr" or "asteroid_pit_si_sdr" => [pit.Value.Mean],
            "sb_si_snr_mixture" => [pitMix.Value],
            "sb_si_snri" => [pit.Value.Mean - pitMix.Value],
            "si_snr_matrix_ref_by_est" => pit.Value.Matrix,
            "asteroid_pairwise_neg_sisdr" => PairwiseNegative(pit.Value.Matrix, c),
            "bss_sdr" => bss.Value.Sdr,
            "bss_sir" => bss.Value.Sir,
            "bss_sar" => bss.Value.Sar,
            "bss_sdr_matrix_est_by_ref" => bss.Value.SdrMatrix,
            "bss_sir_matrix_est_by_ref" => bss.Value.SirMatrix,
            "bss_sar_matrix_est_by_ref" => bss.Value.SarMatrix,
            "bss_noperm_sdr" => bssNoPerm.Value.Sdr,
            "bss_noperm_sir" => bssNoPerm.Value.Sir,
            "bss_noperm_sar" => bssNoPerm.Value.Sar,
            "bss_sdr_mixture" => bssMix.Value.Sdr,
            "sb_sdri" => [bss.Value.Sdr.Average() - bssMix.Value.Sdr.Average()],
            _ => null,
        };
        int[]? Permutation(string key) => key switch
        {
            "sb_pit_perm" => pit.Value.EstimateToReference,
            "asteroid_best_perm" => pit.Value.Permutation,
            "bss_perm" => bss.Value.Permutation,
            _ => null,
        };

        foreach (var p in expected.EnumerateObject())
        {
            var tol = MetricJson.ToleranceOf(fixture, p.Name.StartsWith("bss", StringComparison.Ordinal) || p.Name == "sb_sdri" ? "bss" : "si_snr");
            try
            {
                if (Permutation(p.Name) is { } perm)
                {
                    report.CompareExact(p.Name, perm.Select(v => (long)v).ToArray(), MetricJson.Longs(p.Value));
                    continue;
                }
                if (Values(p.Name) is { } got) report.Compare(p.Name, got, MetricJson.Flatten(p.Value), tol);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                report.Fail(p.Name, $"{e.GetType().Name}: {e.Message}");
            }
        }
        // The .npy outputs (expected_bss_*.npy) hold the same numbers as config.json; compare them too.
        foreach (var output in fixture.Names("outputs"))
        {
            if (!output.StartsWith("expected_", StringComparison.Ordinal)) continue;
            string key = output["expected_".Length..];
            var arr = fixture.Array("outputs", output);
            if (Permutation(key) is { } perm)
                report.CompareExact(output, perm.Select(v => (long)v).ToArray(), arr.ToInt64Array());
            else if (Values(key) is { } got)
                report.Compare(output, got, arr.ToDoubleArray(), MetricJson.ToleranceOf(fixture, key.StartsWith("bss", StringComparison.Ordinal) ? "bss" : "si_snr"));
        }
    }

    /// <summary>Asteroid's <c>pairwise_neg_sisdr</c> layout <c>[estimate i, target j] = −SI-SDR</c> from <c>[reference, estimate]</c>.</summary>
    private static double[] PairwiseNegative(double[] refByEst, int c)
    {
        var m = new double[c * c];
        for (int i = 0; i < c; i++)
            for (int j = 0; j < c; j++) m[i * c + j] = -refByEst[j * c + i];
        return m;
    }
}
