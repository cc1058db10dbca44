using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Conformance.Metrics;

/// <summary>
/// <c>kind: metric-nsdr</c>: per clip <c>k</c> (config <c>clips</c>) the inputs <c>clip{k}_accompaniment</c>,
/// <c>clip{k}_voice</c>, <c>clip{k}_mixture</c>, <c>clip{k}_estimates [2, L]</c>; compares per-clip SDR/SIR/SAR, permutation,
/// mixture SDR and NSDR, then the length-weighted GNSDR/GSIR/GSAR.
/// </summary>
internal sealed class MetricNsdrHandler : IFixtureHandler
{
    private static readonly string[] SourceOrder = ["accompaniment", "voice"];

    public string Name => "metric-nsdr";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "metric-nsdr";

    public void Run(Fixture fixture, FixtureReport report)
    {
        var tol = fixture.ToleranceFor("nsdr");
        var global = new GlobalNsdr();
        foreach (var clip in fixture.Config.GetProperty("clips").EnumerateArray())
        {
            int k = clip.GetProperty("index").GetInt32();
            var refs = SourceOrder.SelectMany(name => fixture.Array("inputs", $"clip{k}_{name}").ToFloatArray()).ToArray();
            var mix = fixture.Array("inputs", $"clip{k}_mixture").ToFloatArray();
            var est = fixture.Array("inputs", $"clip{k}_estimates").ToFloatArray();
            var r = NormalizedSdr.Evaluate(refs, mix, est, SourceOrder.Length);
            global.Add(r);
            if (MetricJson.TryGet(clip, "length", out var len)) report.CompareExact($"clip{k}.length", [r.Length], [len.GetInt64()]);
            if (MetricJson.TryGet(clip, "perm", out var perm)) report.CompareExact($"clip{k}.perm", r.Permutation.Select(v => (long)v).ToArray(), MetricJson.Longs(perm));
            foreach (var (key, got) in new[] { ("sdr", r.Sdr), ("sir", r.Sir), ("sar", r.Sar), ("sdr_mixed", r.SdrMixture), ("nsdr", r.Nsdr) })
                if (MetricJson.TryGet(clip, key, out var e)) report.Compare($"clip{k}.{key}", got, MetricJson.Flatten(e), tol);
        }
        var expected = fixture.Config.GetProperty("expected");
        foreach (var (key, got) in new[] { ("gnsdr", global.Gnsdr), ("gsir", global.Gsir), ("gsar", global.Gsar) })
            if (MetricJson.TryGet(expected, key, out var e)) report.Compare(key, got, MetricJson.Flatten(e), tol);
    }
}
