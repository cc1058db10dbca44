using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Conformance.Metrics;

/// <summary>
/// <c>kind: metric-internals</c> (pystoi): inputs <c>clean</c>/<c>degraded</c> at <c>sample_rate</c>; compares every
/// intermediate array the folder lists (resampling window, 10 kHz signals, after silence removal, band matrix, centre
/// frequencies, band envelopes) under <c>tolerance.arrays_max_abs</c>, then frame/segment counts and the final STOI/ESTOI.
/// </summary>
internal sealed class MetricInternalsHandler : IFixtureHandler
{
    public string Name => "metric-internals";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "metric-internals";

    public void Run(Fixture fixture, FixtureReport report)
    {
        int fs = fixture.Config.GetProperty("sample_rate").GetInt32();
        var clean = fixture.Array("inputs", "clean").ToDoubleArray();
        var degraded = fixture.Array("inputs", "degraded").ToDoubleArray();
        var arrays = MetricJson.ToleranceOf(fixture, "arrays_max_abs");
        var final = MetricJson.ToleranceOf(fixture, "stoi");
        var (x, y) = ShortTimeObjectiveIntelligibility.Resample(clean, degraded, fs);
        var (xs, ys) = ShortTimeObjectiveIntelligibility.RemoveSilentFrames(x, y);
        var (obm, cf) = ShortTimeObjectiveIntelligibility.OctaveBandMatrix();
        var xt = ShortTimeObjectiveIntelligibility.BandEnvelopes(xs);
        var yt = ShortTimeObjectiveIntelligibility.BandEnvelopes(ys);
        var stages = new Dictionary<string, Func<double[]>>
        {
            ["resample_window"] = () => Signal.Resampler.OctaveWindow(ShortTimeObjectiveIntelligibility.InternalRate, fs),
            ["clean_10k"] = () => x,
            ["degraded_10k"] = () => y,
            ["clean_nosilence"] = () => xs,
            ["degraded_nosilence"] = () => ys,
            ["octave_band_matrix"] = () => obm,
            ["center_frequencies"] = () => cf,
            ["clean_tob"] = () => xt,
            ["degraded_tob"] = () => yt,
        };
        foreach (var output in fixture.Names("outputs"))
            if (stages.TryGetValue(output, out var f))
                report.Compare(output, f(), fixture.Array("outputs", output).ToDoubleArray(), arrays);
        var expected = fixture.Config.GetProperty("expected");
        int frames = xt.Length / ShortTimeObjectiveIntelligibility.Bands;
        if (MetricJson.TryGet(expected, "num_frames_after_vad", out var nf)) report.CompareExact("num_frames_after_vad", [frames], [nf.GetInt64()]);
        if (MetricJson.TryGet(expected, "num_segments", out var ns)) report.CompareExact("num_segments", [Math.Max(0, frames - ShortTimeObjectiveIntelligibility.SegmentLength + 1)], [ns.GetInt64()]);
        if (MetricJson.TryGet(expected, "stoi", out var s))
            report.Compare("stoi", [ShortTimeObjectiveIntelligibility.Compute(clean, degraded, fs)], [MetricJson.Number(s)], final);
        if (MetricJson.TryGet(expected, "estoi", out var e))
            report.Compare("estoi", [ShortTimeObjectiveIntelligibility.Compute(clean, degraded, fs, extended: true)], [MetricJson.Number(e)], final);
    }
}
