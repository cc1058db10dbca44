using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Conformance.Metrics;

/// <summary>
/// <c>kind: metric-bank</c>: single-source pairs <c>clean/estimate/mixture [K, N]</c> at <c>sample_rate</c>, with
/// <c>expected_&lt;key&gt;.npy</c> per metric. Every key the library implements is compared (SI-SNR family, BSS Eval v3,
/// STOI/ESTOI); PESQ keys are not (the library ships no PESQ — see docs/evaluation.md).
/// </summary>
internal sealed class MetricBankHandler : IFixtureHandler
{
    public string Name => "metric-bank";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "metric-bank";

    public void Run(Fixture fixture, FixtureReport report)
    {
        int fs = fixture.Config.GetProperty("sample_rate").GetInt32();
        var cleanT = fixture.Array("inputs", "clean");
        int k = (int)cleanT.Shape[0], n = (int)cleanT.Shape[1];
        var clean = cleanT.ToFloatArray();
        var est = fixture.Array("inputs", "estimate").ToFloatArray();
        var mix = fixture.Array("inputs", "mixture").ToFloatArray();
        var bss = new (double Sdr, double Sir, double Sar)?[k];
        var bssMix = new double?[k];
        (double, double, double) Bss(int c) => bss[c] ??= BssEvalSources.Evaluate(clean.AsSpan(c * n, n), est.AsSpan(c * n, n));
        double BssMix(int c) => bssMix[c] ??= BssEvalSources.EvaluateMixture(clean.AsSpan(c * n, n), mix.AsSpan(c * n, n), 1).Sdr[0];
        Func<int, double>? Metric(string key) => key switch
        {
            "si_snr" or "si_snr_float32" or "si_sdr_asteroid_loss" => c => ScaleInvariantSnr.Compute(clean.AsSpan(c * n, n), est.AsSpan(c * n, n)),
            "si_snr_mixture" => c => ScaleInvariantSnr.Compute(clean.AsSpan(c * n, n), mix.AsSpan(c * n, n)),
            "si_snri" => c => ScaleInvariantSnr.Improvement(clean.AsSpan(c * n, n), est.AsSpan(c * n, n), mix.AsSpan(c * n, n)),
            "si_sdr_pb_bss" => c => ScaleInvariantSdr.Compute(clean.AsSpan(c * n, n), est.AsSpan(c * n, n)),
            "si_sdr_pb_bss_mixture" => c => ScaleInvariantSdr.Compute(clean.AsSpan(c * n, n), mix.AsSpan(c * n, n)),
            "si_sdri_pb_bss" => c => ScaleInvariantSdr.Improvement(clean.AsSpan(c * n, n), est.AsSpan(c * n, n), mix.AsSpan(c * n, n)),
            "snr" => c => SignalToNoiseRatio.Compute(clean.AsSpan(c * n, n), est.AsSpan(c * n, n)),
            "sdr" => c => Bss(c).Item1,
            "sir" => c => Bss(c).Item2,
            "sar" => c => Bss(c).Item3,
            "sdr_mixture" => BssMix,
            "sdri" => c => Bss(c).Item1 - BssMix(c),
            "stoi" => c => ShortTimeObjectiveIntelligibility.Compute(clean.AsSpan(c * n, n), est.AsSpan(c * n, n), fs),
            "estoi" => c => ShortTimeObjectiveIntelligibility.ComputeExtended(clean.AsSpan(c * n, n), est.AsSpan(c * n, n), fs),
            _ => null,
        };
        foreach (var output in fixture.Names("outputs"))
        {
            if (!output.StartsWith("expected_", StringComparison.Ordinal)) continue;
            string key = output["expected_".Length..];
            var f = Metric(key);
            if (f is null)
            {
                report.Skip(output, key.StartsWith("pesq", StringComparison.Ordinal)
                    ? "PESQ is a plug-in (IFullReferenceMetric), not part of the library; see docs/evaluation.md"
                    : "not a metric of this library");
                continue;
            }
            var expected = fixture.Array("outputs", output).ToDoubleArray();
            var got = new double[expected.Length];
            try
            {
                for (int c = 0; c < got.Length; c++) got[c] = f(c);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                report.Fail(key, $"{e.GetType().Name}: {e.Message}");
                continue;
            }
            report.Compare(key, got, expected, fixture.ToleranceFor(key));
        }
    }
}
