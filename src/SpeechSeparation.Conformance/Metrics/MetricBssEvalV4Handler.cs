using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Conformance.Metrics;

/// <summary>
/// <c>kind: metric-bss-eval-v4</c>: <c>references/estimates [n_src, T, n_chan]</c> and <c>params</c> (window, hop,
/// filters_len; framewise_filters and compute_permutation must be false, as museval.evaluate uses them); compares the
/// frame-wise SDR/ISR/SIR/SAR arrays, the window count and the per-source medians over windows.
/// </summary>
internal sealed class MetricBssEvalV4Handler : IFixtureHandler
{
    public string Name => "metric-bss-eval-v4";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "metric-bss-eval-v4";

    public void Run(Fixture fixture, FixtureReport report)
    {
        var p = fixture.Hyper;
        int window = p.GetProperty("window").GetInt32();
        int hop = p.GetProperty("hop").GetInt32();
        int filters = MetricJson.TryGet(p, "filters_len", out var fl) ? fl.GetInt32() : BssEvalSources.FilterLength;
        foreach (var flag in new[] { "framewise_filters", "compute_permutation", "bsseval_sources_version" })
            if (MetricJson.TryGet(p, flag, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.True)
                throw new NotSupportedException($"params.{flag} = true is not implemented (only the SiSEC 2018 museval.evaluate setting).");
        var refsT = fixture.Array("inputs", "references");
        var shape = refsT.Shape;
        int s = (int)shape[0], channels = shape.Length > 2 ? (int)shape[2] : 1;
        var r = BssEvalImages.Evaluate(refsT.ToFloatArray(), fixture.Array("inputs", "estimates").ToFloatArray(), s, channels, window, hop, filters);
        var tol = fixture.ToleranceFor("sdr");
        var byName = new Dictionary<string, double[]> { ["sdr"] = r.Sdr, ["isr"] = r.Isr, ["sir"] = r.Sir, ["sar"] = r.Sar };
        foreach (var output in fixture.Names("outputs"))
        {
            string key = output.StartsWith("expected_", StringComparison.Ordinal) ? output["expected_".Length..] : output;
            if (byName.TryGetValue(key, out var got)) report.Compare(key, got, fixture.Array("outputs", output).ToDoubleArray(), tol);
        }
        if (MetricJson.TryGet(fixture.Config, "expected", out var expected))
        {
            if (MetricJson.TryGet(expected, "nwin", out var nwin)) report.CompareExact("nwin", [r.Windows], [nwin.GetInt64()]);
            if (MetricJson.TryGet(expected, "median_over_windows", out var med))
                foreach (var m in med.EnumerateObject())
                    if (byName.TryGetValue(m.Name, out var arr))
                        report.Compare("median_" + m.Name, r.MedianOverWindows(arr), MetricJson.Flatten(m.Value), tol);
        }
    }
}
