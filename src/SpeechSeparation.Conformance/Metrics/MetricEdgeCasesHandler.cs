using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Conformance.Metrics;

/// <summary>
/// <c>kind: metric-edge-cases</c>: <c>cases[]</c> with <c>fs</c>, <c>clean</c>/<c>degraded</c> files and expected
/// <c>stoi</c>/<c>estoi</c>, and <c>errors[]</c> (a length mismatch must raise). PESQ cases (those with a <c>mode</c>) are not
/// compared: the library ships no PESQ (see docs/evaluation.md), so a PESQ-only folder reports no output.
/// </summary>
internal sealed class MetricEdgeCasesHandler : IFixtureHandler
{
    public string Name => "metric-edge-cases";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "metric-edge-cases";

    public void Run(Fixture fixture, FixtureReport report)
    {
        var tol = fixture.ToleranceFor("stoi");
        bool anyStoi = false;
        if (MetricJson.TryGet(fixture.Config, "cases", out var cases))
            foreach (var c in cases.EnumerateArray())
            {
                if (c.TryGetProperty("mode", out var mode))
                {
                    // PESQ: the library ships none (ITU-T P.862's licence forbids a port); a licensed plug-in can be checked by its user.
                    string pesqName = (c.TryGetProperty("name", out var pn) ? pn.GetString() : "case") + (c.TryGetProperty("fs", out var pfs) ? $"@{pfs.GetInt32()}" : "");
                    report.Skip($"pesq {pesqName} ({mode.GetString()})", "PESQ is a plug-in (IFullReferenceMetric), not part of the library; see docs/evaluation.md");
                    continue;
                }
                if (!c.TryGetProperty("clean", out var cleanFile) || !c.TryGetProperty("degraded", out var degFile))
                    continue;
                string name = c.TryGetProperty("name", out var nm) ? nm.GetString()! : cleanFile.GetString()!;
                int fs = c.GetProperty("fs").GetInt32();
                var x = fixture.Npy(cleanFile.GetString()!).ToFloatArray();
                var y = fixture.Npy(degFile.GetString()!).ToFloatArray();
                if (c.TryGetProperty("stoi", out var s))
                {
                    anyStoi = true;
                    report.Compare(name + ".stoi", [ShortTimeObjectiveIntelligibility.Compute(x, y, fs)], [MetricJson.Number(s)], tol);
                }
                if (c.TryGetProperty("estoi", out var e))
                    report.Compare(name + ".estoi", [ShortTimeObjectiveIntelligibility.ComputeExtended(x, y, fs)], [MetricJson.Number(e)], tol);
            }
        if (anyStoi && MetricJson.TryGet(fixture.Config, "errors", out var errors))
            foreach (var err in errors.EnumerateArray())
            {
                string name = err.GetProperty("name").GetString()!;
                if (name != "length_mismatch") continue;
                bool raised;
                try { ShortTimeObjectiveIntelligibility.Compute(new float[4000], new float[3999], 16000); raised = false; }
                catch (ArgumentException) { raised = true; }
                report.Add(new OutputCheck("error." + name, 0, 0, raised, raised ? "ArgumentException raised" : "no exception"));
            }
    }
}
