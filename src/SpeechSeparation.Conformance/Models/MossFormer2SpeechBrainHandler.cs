using System.Text.Json;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// <c>model: mossformer2_sb</c> fixtures: MossFormer2 in the authors' SpeechBrain layout (<c>encoder.ckpt</c>,
/// <c>masknet.ckpt</c>, <c>decoder.ckpt</c> or <c>pytorch_model.bin</c>; <c>hyper</c> = the repository's config.json).
/// Weights go through <see cref="SpeechBrainLayout"/> and a strict load; compared: <c>output*</c> from <c>input*</c>
/// ([B, T, S]), <c>output_alt_branch</c> (the other output branch, <c>alt_branch.apply_mask</c>), <c>inter_enc_out</c>,
/// <c>inter_dual_mdl_out</c>, <c>inter_masknet_out</c>, <c>pipe_out</c> from <c>pipe_raw</c>
/// (<see cref="SpeechBrainPipeline"/>); for published configurations, <c>keys.json</c> in the wrapper layout, the
/// per-file manifests, the key mapping and the variants' parameter counts.
/// </summary>
internal sealed class MossFormer2SpeechBrainHandler : IFixtureHandler
{
    public string Name => "mossformer2_sb";

    public bool CanHandle(Fixture fixture) => fixture.Model == "mossformer2_sb";

    /// <summary>The intermediates: MossFormer2's (<see cref="MossFormerIntermediates.MossFormer2Separator"/>) and
    /// upstream SpeechBrain's names for two of them, <c>dual_mdl_out</c> (the mask net's core) and <c>masknet_out</c>
    /// (the masks).</summary>
    internal static readonly IntermediateMap Intermediates = new()
    {
        MossFormerIntermediates.MossFormer2Separator,
        { "dual_mdl_out", "mask_net.mdl" },
        { "masknet_out", "mask_net" },
    };

    public void Run(Fixture f, FixtureReport report)
    {
        var config = Config(f, f.Hyper);
        bool hasWeights = SpeechBrainLayout.Files.Any(p => File.Exists(f.PathOf(p.File))) || File.Exists(f.PathOf(SpeechBrainLayout.SingleFile));
        if (!hasWeights && File.Exists(f.PathOf("keys.json")))
        {
            ComparePublished(f, report, config);
            return;
        }
        using var model = new MossFormer2Separator(config);
        model.LoadCheckpoint(f.Directory);
        model.eval();
        model.to(ModuleFixture.Device);
        using var inference = torch.inference_mode();
        var outputs = f.Names("outputs");
        IReadOnlyDictionary<string, (long[] Shape, double[] Values)> recorded = new Dictionary<string, (long[] Shape, double[] Values)>();
        foreach (var name in outputs.Where(n => n.StartsWith("output", StringComparison.Ordinal) && n != "output_alt_branch"))
        {
            using var scope = torch.NewDisposeScope();
            string input = "input" + name["output".Length..];
            using var recorder = input == "input" ? new IntermediateRecorder(model, Intermediates) : null;
            ModuleFixture.CompareOutput(report, f, name, model.call(ModuleFixture.Input(f, input)));   // [B, T, S]
            recorded = recorder?.Values ?? recorded;
        }
        foreach (var name in outputs.Where(n => n.StartsWith("inter_", StringComparison.Ordinal)))
            MossFormerFixtures.CompareIntermediate(f, report, name, recorded);
        if (outputs.Contains("output_alt_branch"))
        {
            bool altMask = f.Config.TryGetProperty("alt_branch", out var alt) && alt.TryGetProperty("apply_mask", out var am)
                ? am.GetBoolean() : !config.ApplyMask;
            using var other = new MossFormer2Separator(config with { ApplyMask = altMask });
            other.LoadStateDict(model.StateDictToHost(), strict: true);
            other.eval();
            using var scope = torch.NewDisposeScope();
            ModuleFixture.CompareOutput(report, f, "output_alt_branch", other.forward(ModuleFixture.Input(f, "input")));
        }
        if (f.Names("inputs").Contains("pipe_raw") && outputs.Contains("pipe_out"))
        {
            var stems = SpeechBrainPipeline.Inference(model, f.Array("inputs", "pipe_raw").ToFloatArray());
            report.Compare("pipe_out", stems.SelectMany(s => s.Select(v => (double)v)).ToArray(),
                f.Array("outputs", "pipe_out").ToDoubleArray(), f.ToleranceFor("pipe_out"));
        }
    }

    /// <summary>The configuration: <c>hyper</c> (the repository's config.json), with a top-level <c>apply_mask</c> winning.</summary>
    private static MossFormer2Config Config(Fixture f, JsonElement hyper)
    {
        var config = MossFormer2Config.FromJson(hyper);
        if (f.Config.TryGetProperty("apply_mask", out var am) && am.ValueKind is JsonValueKind.True or JsonValueKind.False)
            config = config with { ApplyMask = am.GetBoolean() };
        return config;
    }

    /// <summary>A published configuration without weights: the wrapper-layout manifest, the per-file manifests, every
    /// row of the key mapping, and each variant's parameter count.</summary>
    private static void ComparePublished(Fixture f, FixtureReport report, MossFormer2Config config)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(f.PathOf("keys.json")));
        var root = doc.RootElement;
        using (var model = new MossFormer2Separator(config))
        {
            var ours = model.state_dict().Select(kv => (Name: SpeechBrainLayout.FromModelScopeKey(kv.Key), Shape: kv.Value.shape)).ToList();
            CompareManifest(report, "state_dict keys", ours, root.GetProperty("keys"));
            if (root.TryGetProperty("published_files", out var files))
                foreach (var file in files.EnumerateObject())
                {
                    var prefix = SpeechBrainLayout.Files.FirstOrDefault(p => p.File == file.Name).Prefix;
                    if (prefix is null) continue;
                    var part = ours.Where(k => k.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(k => (k.Name[prefix.Length..], k.Shape)).ToList();
                    CompareManifest(report, "published_files:" + file.Name, part, file.Value);
                }
            if (root.TryGetProperty("param_count", out var pc))
            {
                long got = model.ParameterCount(), want = pc.GetInt64();
                report.Add(new OutputCheck("param_count", Math.Abs(got - want), double.NaN, got == want, $"{got:N0} vs {want:N0}"));
            }
        }
        if (root.TryGetProperty("modelscope_names", out var names))
        {
            var wrong = new List<string>();
            int count = 0;
            foreach (var row in names.EnumerateArray())
            {
                count++;
                var prefix = SpeechBrainLayout.Files.FirstOrDefault(p => p.File == row[0].GetString()).Prefix ?? "";
                string key = prefix + row[1].GetString(), want = row[2].GetString()!, got = SpeechBrainLayout.ToModelScopeKey(key);
                if (got != want) wrong.Add($"{key} → {got}, expected {want}");
            }
            report.Add(new OutputCheck("modelscope_names", wrong.Count, double.NaN, wrong.Count == 0,
                wrong.Count == 0 ? $"{count} keys map as upstream's rules say" : string.Join("; ", wrong.Take(10))));
        }
        if (root.TryGetProperty("variants", out var variants))
            foreach (var v in variants.EnumerateObject())
            {
                if (!v.Value.TryGetProperty("config", out var vc) || !v.Value.TryGetProperty("modelscope_param_count", out var vp)) continue;
                using var model = new MossFormer2Separator(MossFormer2Config.FromJson(vc));
                long got = model.ParameterCount(), want = vp.GetInt64();
                report.Add(new OutputCheck("variant:" + v.Name, Math.Abs(got - want), double.NaN, got == want, $"{got:N0} vs {want:N0} parameters"));
            }
    }

    private static void CompareManifest(FixtureReport report, string check, List<(string Name, long[] Shape)> ours, JsonElement expected)
    {
        var want = expected.EnumerateArray().Select(e => (Name: e[0].GetString()!, Shape: e[1].EnumerateArray().Select(x => x.GetInt64()).ToArray())).ToList();
        var problems = new List<string>();
        var byName = ours.ToDictionary(k => k.Name, k => k.Shape, StringComparer.Ordinal);
        foreach (var (name, shape) in want)
        {
            if (!byName.TryGetValue(name, out var s)) problems.Add("missing " + name);
            else if (!s.AsSpan().SequenceEqual(shape)) problems.Add($"{name}: [{string.Join(", ", s)}] != [{string.Join(", ", shape)}]");
        }
        problems.AddRange(ours.Select(k => k.Name).Except(want.Select(w => w.Name)).Select(k => "unexpected " + k));
        if (problems.Count == 0 && !ours.Select(k => k.Name).SequenceEqual(want.Select(w => w.Name))) problems.Add("same keys in a different order");
        report.Add(new OutputCheck(check, problems.Count, double.NaN, problems.Count == 0,
            problems.Count == 0 ? $"{want.Count} keys, names and shapes equal" : string.Join("; ", problems.Take(20))));
    }
}
