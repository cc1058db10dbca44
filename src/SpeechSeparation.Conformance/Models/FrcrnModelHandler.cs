using System.Text.Json;
using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// <c>model: frcrn</c>: the whole FRCRN built from <c>hyper</c> (width from <c>tiny_width</c>, default 128).
/// <list type="bullet">
/// <item><c>keys.json</c>: state-dict names/shapes/dtypes in order and the parameter count;</item>
/// <item>weights: loaded through <see cref="FrcrnCheckpoint"/> (strict, alias-aware) after checking the formula-built STFT
/// kernels against the stored ones;</item>
/// <item>for every input <c>input_S</c>, the outputs <c>stft_S</c>, <c>unet1_out_S</c>, <c>{spec,wav,mask}_l{1,2}_S</c>
/// that the fixture lists;</item>
/// <item>pipeline cases (ModelScope <c>ANSPipeline</c>): <c>pipeline_C_wave</c> → <c>pipeline_C_normalised</c>,
/// <c>pipeline_C_pcm</c>; <c>pipeline_C_segment</c> tiled to the length in <c>pipeline_C_pcm_stats[2]</c> →
/// <c>pipeline_C_pcm_at_index</c> at <c>pipeline_C_index</c> and the stats [mean |pcm|, rms, length].</item>
/// </list>
/// </summary>
internal sealed class FrcrnModelHandler : IFixtureHandler
{
    private static readonly string[] StageOutputs = ["stft", "unet1_out", "spec_l1", "wav_l1", "mask_l1", "spec_l2", "wav_l2", "mask_l2"];

    public string Name => "frcrn";

    public bool CanHandle(Fixture f) => f.Model is "frcrn" or "frcrn.FRCRN" || (f.Model is null && f.UpstreamClass is "FRCRN" or "DCCRN");

    public void Run(Fixture f, FixtureReport report)
    {
        using var _ = torch.no_grad();
        using var model = Families.FrcrnFamily.Create(f.Hyper);   // the hyper-parameters as the library reads them
        bool any = false;
        if (File.Exists(f.PathOf("keys.json")))
        {
            ModuleFixture.CompareKeys(report, f, model);
            any = true;
        }
        var weights = ModuleFixture.WeightsPath(f);
        if (!File.Exists(weights))
        {
            if (!any) report.Fail("weights", "no keys.json and no state dict");
            return;
        }
        var sd = StateDict.Load(weights);
        FrcrnHandlers.CompareRebuilt(report, model.Stft, sd, "stft.");
        FrcrnHandlers.CompareRebuilt(report, model.Istft, sd, "istft.");
        FrcrnCheckpoint.Load(model, sd);
        model.eval();
        var outputs = f.Names("outputs").ToHashSet(StringComparer.Ordinal);
        foreach (var input in f.Names("inputs").Where(n => n.StartsWith("input", StringComparison.Ordinal)))
        {
            string suffix = input.Length > 5 ? input[5..] : "";       // "_b1" or ""
            var wanted = StageOutputs.Where(o => outputs.Contains(o + suffix)).ToList();
            if (wanted.Count == 0) continue;
            using var scope = torch.NewDisposeScope();
            using var y = model.forward(ModuleFixture.Input(f, input));
            foreach (var o in wanted)
            {
                var t = o switch
                {
                    "stft" => model.Stft.forward(ModuleFixture.Input(f, input)),
                    "unet1_out" => y.Unet1Out,
                    "spec_l1" => y.SpecL1,
                    "wav_l1" => y.WavL1,
                    "mask_l1" => y.MaskL1,
                    "spec_l2" => y.SpecL2,
                    "wav_l2" => y.WavL2,
                    _ => y.MaskL2,
                };
                ModuleFixture.CompareOutput(report, f, o + suffix, t);
            }
        }
        foreach (var input in f.Names("inputs").Where(n => n.StartsWith("pipeline_", StringComparison.Ordinal)))
        {
            if (input.EndsWith("_wave", StringComparison.Ordinal)) RunPipelineWave(f, report, model, input[..^5]);
            else if (input.EndsWith("_segment", StringComparison.Ordinal)) RunPipelineSegment(f, report, model, input[..^8]);
        }
    }

    private static double PcmLsb(Fixture f) =>
        f.Config.TryGetProperty("tolerance", out var t) && t.ValueKind == JsonValueKind.Object &&
        t.TryGetProperty("pcm_max_abs_lsb", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 1;

    private static double StatsRel(Fixture f) =>
        f.Config.TryGetProperty("tolerance", out var t) && t.ValueKind == JsonValueKind.Object &&
        t.TryGetProperty("pcm_stats_rel", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 1e-4;

    private static readonly FrcrnPipelineOptions Upstream = new() { Mode = FrcrnPipelineMode.ModelScope, Overflow = PcmOverflow.Wrap };

    private static void RunPipelineWave(Fixture f, FixtureReport report, Frcrn model, string c)
    {
        var wave = f.Array("inputs", c + "_wave").ToDoubleArray().Select(v => (float)v).ToArray();
        var names = f.Names("outputs");
        if (names.Contains(c + "_normalised"))
        {
            var norm = FrcrnPipeline.Normalise(wave, FrcrnPipelineMode.ModelScope, out _);
            report.Compare(c + "_normalised", norm.Select(v => (double)v).ToArray(), f.Array("outputs", c + "_normalised").ToDoubleArray(), f.ToleranceFor(c + "_normalised"));
        }
        if (names.Contains(c + "_pcm"))
        {
            var pcm = FrcrnPipeline.EnhanceToPcm16(model, wave, Upstream);
            report.Compare(c + "_pcm", pcm.Select(v => (double)v).ToArray(), f.Array("outputs", c + "_pcm").ToDoubleArray(), new Tolerance(MaxAbs: PcmLsb(f)));
        }
    }

    private static void RunPipelineSegment(Fixture f, FixtureReport report, Frcrn model, string c)
    {
        var segment = f.Array("inputs", c + "_segment").ToDoubleArray().Select(v => (float)v).ToArray();
        var stats = f.Array("outputs", c + "_pcm_stats").ToDoubleArray();
        long n = (long)Math.Round(stats[2]);
        var wave = new float[n];
        for (long i = 0; i < n; i++) wave[i] = segment[i % segment.Length];
        var pcm = FrcrnPipeline.EnhanceToPcm16(model, wave, Upstream);
        var names = f.Names("outputs");
        if (names.Contains(c + "_pcm_at_index") && names.Contains(c + "_index"))
        {
            var idx = f.Array("outputs", c + "_index").ToDoubleArray();
            var got = idx.Select(i => (double)pcm[(long)i]).ToArray();
            report.Compare(c + "_pcm_at_index", got, f.Array("outputs", c + "_pcm_at_index").ToDoubleArray(), new Tolerance(MaxAbs: PcmLsb(f)));
        }
        double sumAbs = 0, sumSq = 0;
        foreach (var v in pcm) { sumAbs += Math.Abs((double)v); sumSq += (double)v * v; }
        var gotStats = new[] { sumAbs / pcm.Length, Math.Sqrt(sumSq / pcm.Length), pcm.Length };
        double rel = 0;
        for (int i = 0; i < 3; i++) rel = Math.Max(rel, Math.Abs(gotStats[i] - stats[i]) / Math.Max(Math.Abs(stats[i]), 1e-12));
        report.Add(new OutputCheck(c + "_pcm_stats", gotStats.Zip(stats, (a, b) => Math.Abs(a - b)).Max(), rel, rel <= StatsRel(f),
            $"[mean|pcm|, rms, length] = [{gotStats[0]:G6}, {gotStats[1]:G6}, {gotStats[2]}] vs [{stats[0]:G6}, {stats[1]:G6}, {stats[2]}]; each within rel {StatsRel(f):G3}"));
    }
}
