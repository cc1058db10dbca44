using System.Text.Json;
using System.Text.RegularExpressions;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// <c>model: mossformer</c> fixtures (ModelScope MossFormer and its sub-modules): builds the module named by
/// <c>upstream.class</c> from <c>hyper</c>, loads <c>state_dict.pt</c> strictly and compares every listed output —
/// <c>output*</c> from the matching <c>input*</c>, <c>inter_*</c> intermediates, <c>pipeline_pcm</c> (ModelScope pipeline)
/// and, for published configurations, <c>keys.json</c>.
/// </summary>
internal sealed class MossFormerHandler : IFixtureHandler
{
    public string Name => "mossformer";

    public bool CanHandle(Fixture fixture) => fixture.Model == "mossformer";

    public void Run(Fixture fixture, FixtureReport report) => MossFormerFixtures.Run(fixture, report, version: 1);
}

/// <summary>The shared runner of the MossFormer and MossFormer2 handlers.</summary>
internal static partial class MossFormerFixtures
{
    public static void Run(Fixture f, FixtureReport report, int version)
    {
        var h = f.Hyper;
        string cls = f.UpstreamClass ?? "";
        using var module = Build(cls, h, version);
        bool published = File.Exists(f.PathOf("keys.json")) && !File.Exists(ModuleFixture.WeightsPath(f));
        if (published)
        {
            ModuleFixture.CompareKeys(report, f, module);
            ComparePublishedFiles(f, report, module);
            return;
        }
        ModuleFixture.LoadWeights(f, module);
        using var inference = torch.inference_mode();
        switch (module)
        {
            case MossFormerSeparator m: RunWholeModel(f, report, m, MossFormerIntermediates.Of(m), layoutSpeakersFirst: false); CompareSplitFiles(f, report, m); break;
            case MossFormer2Separator m: RunWholeModel(f, report, m, MossFormerIntermediates.Of(m), layoutSpeakersFirst: cls == "MossFormer"); break;
            default: RunSubModule(f, report, module); break;
        }
    }

    /// <summary>Builds the module named by the fixture's upstream class.</summary>
    public static torch.nn.Module Build(string cls, JsonElement h, int version) => cls switch
    {
        "Encoder" => new Encoder(Int(h, "kernel_size", 2), Int(h, "out_channels", 64), Int(h, "in_channels", 1)),
        "Decoder" => new Decoder(Int(h, "in_channels", 64), Int(h, "out_channels", 1), Int(h, "kernel_size", 16), Int(h, "stride", 8), Bool(h, "bias", false)),
        "FFConvM" => new FFConvM(Int(h, "dim_in", 0), Int(h, "dim_out", 0),
            Str(h, "norm_klass", "ScaleNorm").Contains("LayerNorm", StringComparison.Ordinal) ? FFConvM.NormKind.LayerNorm : FFConvM.NormKind.ScaleNorm,
            Dbl(h, "dropout", 0.1)),
        "ConvModule" or "MossFormerConvModule" => new ConvModule(Int(h, "in_channels", 0), Int(h, "kernel_size", 17)),
        "ScaleNorm" => new ScaleNorm(Int(h, "dim", 0), Dbl(h, "eps", 1e-5)),
        "ScaledSinuEmbedding" => new ScaledSinuEmbedding(Int(h, "dim", 0)),
        "RotaryEmbedding" => new RotaryEmbedding(Int(h, "dim", 32), Dbl(h, "theta", 10000)),
        "MossFormerBlock" or "FLASH_ShareA_FFConvM" => BuildBlock(cls, h),
        "UniDeepFsmnDilated" or "UniDeepFsmn_dilated" => new UniDeepFsmnDilated(Int(h, "input_dim", 0), Int(h, "output_dim", 0),
            Int(h, "lorder", 20), Int(h, "hidden_size", 0), Int(h, "depth", 2)),
        "DilatedDenseNet" => new DilatedDenseNet(Int(h, "depth", 4), Int(h, "lorder", 20), Int(h, "in_channels", 64)),
        "GatedFSMNDilated" or "Gated_FSMN_dilated" => new GatedFsmnDilated(Int(h, "in_channels", 0), Int(h, "out_channels", 0),
            Int(h, "lorder", 20), Int(h, "hidden_size", 64)),
        "GatedFSMNBlockDilated" or "Gated_FSMN_Block_Dilated" => new GatedFsmnBlockDilated(Int(h, "dim", 0), Int(h, "inner_channels", 256)),
        "CLayerNorm" => new CLayerNorm(Int(h, "normalized_shape", Int(h, "dim", 0))),
        "MossFormerModule" => new MossFormerModule(Int(h, "dim", 0), Int(h, "depth", 1), Int(h, "group_size", 256), Int(h, "query_key_dim", 128),
            Dbl(h, "expansion_factor", 4), Bool(h, "causal", false), Dbl(h, "attn_dropout", 0.1), Bool(h, "shift_tokens", true)),
        "MossFormer" when version == 1 => Families.MossFormerFamily.Create(h),
        "MossFormer" or "MossFormer2" or "MossFormer2_SS_16K" => Families.MossFormer2Family.Create(h),
        _ => throw new NotSupportedException($"mossformer{(version == 2 ? "2" : "")}: unknown upstream class '{cls}'"),
    };

    private static MossFormerBlock BuildBlock(string cls, JsonElement h)
    {
        long dim = Int(h, "dim", 0), q = Int(h, "query_key_dim", 128);
        long rotDim = Math.Min(32, q);
        if (h.TryGetProperty("rotary_pos_emb", out var r) && r.ValueKind == JsonValueKind.String &&
            RotaryDim().Match(r.GetString()!) is { Success: true } m)
            rotDim = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var rotary = new RotaryEmbedding(rotDim);
        return cls == "FLASH_ShareA_FFConvM"
            ? new FlashShareAFFConvM(dim, Int(h, "group_size", 256), q, Dbl(h, "expansion_factor", 4), rotary, Dbl(h, "dropout", 0.1), Bool(h, "shift_tokens", true), Bool(h, "causal", false))
            : new MossFormerBlock(dim, Int(h, "group_size", 256), q, Dbl(h, "expansion_factor", 4), rotary, Dbl(h, "dropout", 0.1), Bool(h, "shift_tokens", true), Bool(h, "causal", false));
    }

    [GeneratedRegex(@"dim\s*=\s*(\d+)")]
    private static partial Regex RotaryDim();

    /// <summary>A sub-module fixture: <c>output</c> from <c>input</c>, <c>inter_X</c> recorded by forward hooks as
    /// <see cref="MossFormerIntermediates.Of"/> says.</summary>
    private static void RunSubModule(Fixture f, FixtureReport report, torch.nn.Module module)
    {
        using var scope = torch.NewDisposeScope();
        var x = ModuleFixture.Input(f, "input");
        if (module is not torch.nn.Module<Tensor, Tensor> m) throw new NotSupportedException(module.GetType().Name);
        Tensor y;
        IReadOnlyDictionary<string, (long[] Shape, double[] Values)> intermediates;
        using (var recorder = new IntermediateRecorder(m, MossFormerIntermediates.Of(m)))
        {
            y = m.call(x);
            intermediates = recorder.Values;
        }
        foreach (var name in f.Names("outputs"))
        {
            if (name == "output") ModuleFixture.CompareOutput(report, f, name, y);
            else if (name == "freqs" && module is RotaryEmbedding rot) ModuleFixture.CompareOutput(report, f, name, rot.Freqs);
            else CompareIntermediate(f, report, name, intermediates);
        }
    }

    /// <summary>
    /// A whole-model fixture: <c>output{s}</c> from <c>input{s}</c> (layout [B, T, S], or ClearerVoice's stacked list
    /// [S, B, T]), <c>inter_X</c> recorded by forward hooks (<paramref name="intermediates"/>) during the <c>input</c> run,
    /// <c>pipeline_pcm</c> (ModelScope pipeline on input[0]) and <c>pipe{k}_*</c> (ClearerVoice pipeline on
    /// <c>pipe{k}_raw</c>).
    /// </summary>
    private static void RunWholeModel(Fixture f, FixtureReport report, torch.nn.Module<Tensor, Tensor> model,
        IntermediateMap intermediates, bool layoutSpeakersFirst)
    {
        var outputs = f.Names("outputs");
        IReadOnlyDictionary<string, (long[] Shape, double[] Values)>? recorded = null;
        foreach (var name in outputs.Where(n => n.StartsWith("output", StringComparison.Ordinal)))
        {
            using var scope = torch.NewDisposeScope();
            string inputName = "input" + name["output".Length..];
            using var recorder = inputName == "input" ? new IntermediateRecorder(model, intermediates) : null;
            var y = model.call(ModuleFixture.Input(f, inputName));      // [B, T, S]
            recorded = recorder?.Values ?? recorded;
            ModuleFixture.CompareOutput(report, f, name, layoutSpeakersFirst ? y.permute(2, 0, 1) : y);
        }
        if (outputs.Any(n => n.StartsWith("inter_", StringComparison.Ordinal)) && recorded is null)
        {
            using var scope = torch.NewDisposeScope();
            using var recorder = new IntermediateRecorder(model, intermediates);
            model.call(ModuleFixture.Input(f, "input"));
            recorded = recorder.Values;
        }
        foreach (var name in outputs.Where(n => n.StartsWith("inter_", StringComparison.Ordinal)))
            CompareIntermediate(f, report, name, recorded!);
        if (outputs.Contains("pipeline_pcm"))
        {
            var x = f.Array("inputs", "input").ToFloatArray();
            long t = f.Array("inputs", "input").Shape[^1];
            var pcm = ModelScopePipeline.Separate(model, x.AsSpan(0, (int)t));
            var got = pcm.SelectMany(p => p.Select(v => (double)v)).ToArray();
            report.Compare("pipeline_pcm", got, f.Array("outputs", "pipeline_pcm").ToDoubleArray(),
                new Tolerance(MaxAbs: Num(f, "pcm_max_lsb") ?? 0));
        }
        foreach (var raw in f.Names("inputs").Where(n => n.StartsWith("pipe", StringComparison.Ordinal) && n.EndsWith("_raw", StringComparison.Ordinal)))
            RunClearerVoicePipeline(f, report, model, raw[..^"_raw".Length]);
    }

    private static void RunClearerVoicePipeline(Fixture f, FixtureReport report, torch.nn.Module<Tensor, Tensor> model, string prefix)
    {
        var raw = f.Array("inputs", prefix + "_raw").ToFloatArray();
        var tol = new Tolerance(MaxAbs: Num(f, "pipe_max_abs") ?? 1e-5);
        var (normed, scalar) = ClearerVoicePipeline.AudioNorm(raw);
        var outs = f.Names("outputs");
        if (outs.Contains(prefix + "_normed"))
            report.Compare(prefix + "_normed", normed.Select(v => (double)v).ToArray(), f.Array("outputs", prefix + "_normed").ToDoubleArray(), tol);
        if (outs.Contains(prefix + "_scalar"))
            report.Compare(prefix + "_scalar", [scalar], f.Array("outputs", prefix + "_scalar").ToDoubleArray(),
                new Tolerance(MaxAbsRelToMax: 1e-5));
        if (outs.Contains(prefix + "_decoded"))
        {
            int sampleRate = f.Config.TryGetProperty("sample_rate", out var sr) && sr.ValueKind == JsonValueKind.Number ? sr.GetInt32() : 16000;
            double window = 2, once = 2;
            if (f.Config.TryGetProperty("decode", out var d) && d.TryGetProperty("args", out var a))
            {
                window = Dbl(a, "decode_window", 2);
                once = Dbl(a, "one_time_decode_length", 2);
                sampleRate = (int)Int(a, "sampling_rate", sampleRate);
            }
            var decoded = ClearerVoicePipeline.Decode(model, normed, sampleRate, window, once);
            report.Compare(prefix + "_decoded", decoded.SelectMany(x => x).ToArray(), f.Array("outputs", prefix + "_decoded").ToDoubleArray(), tol);
        }
    }

    /// <summary>Compares fixture output <paramref name="name"/> (<c>inter_X</c> or X) with the recorded intermediate X.</summary>
    internal static void CompareIntermediate(Fixture f, FixtureReport report, string name, IReadOnlyDictionary<string, (long[] Shape, double[] Values)> recorded)
    {
        string key = name.StartsWith("inter_", StringComparison.Ordinal) ? name["inter_".Length..] : name;
        if (!recorded.TryGetValue(key, out var p)) { report.Fail(name, $"no intermediate '{key}' is produced by this module"); return; }
        var expected = f.Array("outputs", name);
        if (!p.Shape.AsSpan().SequenceEqual(expected.Shape))
        {
            report.Fail(name, $"shape [{string.Join(", ", p.Shape)}] != expected [{string.Join(", ", expected.Shape)}]");
            return;
        }
        var values = expected.ToDoubleArray();
        report.Compare(name, p.Values, values, IntermediateTolerance(f, name, values));
    }

    /// <summary>
    /// The bound for an intermediate tensor. The fixtures derive <c>max_abs</c> from the float32-vs-float64 gap of the
    /// final output (whose scale is <c>output_max_abs</c>); for whole-model intermediates of larger magnitude the absolute
    /// bound is scaled by max|expected| / output_max_abs so that it allows the same relative error (a few float32 ulps,
    /// which differ between CPU instruction sets and thread counts). <c>rel_l2</c> is scale-free and kept as given;
    /// sub-module fixtures (no <c>output_max_abs</c> scaling needed below 1) are unchanged.
    /// </summary>
    private static Tolerance IntermediateTolerance(Fixture f, string name, double[] expected)
    {
        var tol = f.ToleranceFor(name);
        if (!name.StartsWith("inter_", StringComparison.Ordinal) || tol.MaxAbs is not { } maxAbs || Num(f, "output_max_abs") is not { } outMax || outMax <= 0)
            return tol;
        double scale = expected.Length == 0 ? 1 : expected.Max(Math.Abs) / outMax;
        return scale > 1 ? tol with { MaxAbs = maxAbs * scale } : tol;
    }

    /// <summary>MossFormer's published three-file layout (<c>encoder.bin</c>, <c>decoder.bin</c>, <c>masknet.bin</c>):
    /// load them through <see cref="MossFormerSeparator.LoadCheckpoint"/> and check the outputs again.</summary>
    private static void CompareSplitFiles(Fixture f, FixtureReport report, MossFormerSeparator reference)
    {
        if (!File.Exists(f.PathOf("masknet.bin"))) return;
        using var split = new MossFormerSeparator(reference.Config);
        split.LoadCheckpoint(f.Directory);
        split.eval();
        foreach (var name in f.Names("outputs").Where(n => n.StartsWith("output", StringComparison.Ordinal)))
        {
            using var scope = torch.NewDisposeScope();
            var y = split.forward(ModuleFixture.Input(f, "input" + name["output".Length..]));
            var expected = f.Array("outputs", name);
            report.Compare("split_files:" + name, y.ToDoubleArray(), expected.ToDoubleArray(), f.ToleranceFor(name));
        }
    }

    /// <summary><c>published_files</c> of keys.json: each file's key list equals the matching sub-module's state dict.</summary>
    private static void ComparePublishedFiles(Fixture f, FixtureReport report, torch.nn.Module module)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(f.PathOf("keys.json")));
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("published_files", out var files)) return;
        var sd = module.state_dict();
        foreach (var file in files.EnumerateObject())
        {
            string prefix = file.Name switch { "encoder.bin" => "encoder.", "decoder.bin" => "decoder.", "masknet.bin" => "mask_net.", _ => "" };
            var expected = file.Value.EnumerateArray().Select(e => (Name: prefix + e[0].GetString(), Shape: e[1].EnumerateArray().Select(x => x.GetInt64()).ToArray())).ToList();
            var got = sd.Where(kv => prefix.Length == 0 || kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(kv => (kv.Key, kv.Value.shape)).ToList();
            bool ok = got.Count == expected.Count && got.Zip(expected).All(p => p.First.Key == p.Second.Name && p.First.shape.AsSpan().SequenceEqual(p.Second.Shape));
            report.Add(new OutputCheck("published_files:" + file.Name, ok ? 0 : 1, double.NaN, ok, $"{expected.Count} keys expected, {got.Count} in the model"));
        }
    }

    private static double? Num(Fixture f, string toleranceKey) =>
        f.Config.TryGetProperty("tolerance", out var t) && t.ValueKind == JsonValueKind.Object && t.TryGetProperty(toleranceKey, out var v) &&
        v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static long Int(JsonElement h, string name, long fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? (long)v.GetDouble() : fallback;

    private static double Dbl(JsonElement h, string name, double fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;

    private static bool Bool(JsonElement h, string name, bool fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    private static string Str(JsonElement h, string name, string fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : fallback;
}
