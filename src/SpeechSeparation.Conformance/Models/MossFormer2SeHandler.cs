using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Serialization;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// ClearerVoice-Studio MossFormer2_SE_48K fixtures:
/// <list type="bullet">
/// <item><c>model: kaldi.fbank</c> — <see cref="KaldiFbank"/> built from the torchaudio arguments in <c>hyper</c> on
/// <c>input</c> × <c>input_scale</c>: <c>fbank</c>, <c>delta</c>, <c>delta_delta</c>, <c>features</c> (their
/// concatenation [1, L, 3F]), <c>inter_window</c>, <c>inter_mel_banks</c>, <c>inter_frames_head</c> (first frames as they
/// enter the FFT), <c>inter_power_head</c>;</item>
/// <item><c>model: mossformer2_se.X</c> — a sub-module (<c>GatedFsmnBlock</c> / <c>Gated_FSMN_Block</c>,
/// <c>GatedFsmn</c> / <c>Gated_FSMN</c>, <c>UniDeepFsmn</c>): <c>output</c> from <c>input</c>, <c>inter_X</c> recorded
/// by forward hooks (<see cref="SubModuleIntermediates"/>);</item>
/// <item><c>model: mossformer2_se</c> — the network (<c>TestNet</c> keys <c>mossformer.*</c>) from <c>hyper</c>:
/// <c>output{s}</c> from <c>input{s}</c> (speaker-0 fast path), <c>inter_X</c> recorded by forward hooks during the full
/// path (<see cref="MossFormer2Se.ForwardFullPath"/>, <see cref="NetworkIntermediates"/>), or the key manifest
/// <c>keys.json</c> of a published configuration;</item>
/// <item><c>model: mossformer2_se.pipeline</c> — <see cref="ClearerVoiceSePipeline"/> with <c>hyper</c> + <c>decode.args</c>
/// on <c>raw</c>: <c>output</c> (trimmed to the input), and <c>features</c>, <c>mask</c>, <c>stft_head</c> / <c>stft</c>
/// of the first model call.</item>
/// </list>
/// </summary>
internal sealed class MossFormer2SeHandler : IFixtureHandler
{
    public string Name => "mossformer2_se";

    public bool CanHandle(Fixture fixture) =>
        fixture.Model is "kaldi.fbank" or "mossformer2_se" || (fixture.Model?.StartsWith("mossformer2_se.", StringComparison.Ordinal) ?? false);

    public void Run(Fixture fixture, FixtureReport report)
    {
        switch (fixture.Model)
        {
            case "kaldi.fbank": RunFbank(fixture, report); break;
            case "mossformer2_se": RunNetwork(fixture, report); break;
            case "mossformer2_se.pipeline": RunPipeline(fixture, report); break;
            default: RunSubModule(fixture, report); break;
        }
    }

    // ---------------- fbank ----------------

    /// <summary>torchaudio's <c>kaldi.fbank</c> arguments from a JSON object (absent ones at torchaudio's defaults).</summary>
    public static KaldiFbankOptions FbankOptions(JsonElement h)
    {
        var d = new KaldiFbankOptions();
        return new KaldiFbankOptions
        {
            SampleFrequency = Dbl(h, "sample_frequency", d.SampleFrequency),
            FrameLength = Dbl(h, "frame_length", d.FrameLength),
            FrameShift = Dbl(h, "frame_shift", d.FrameShift),
            NumMelBins = (int)Dbl(h, "num_mel_bins", d.NumMelBins),
            WindowType = Str(h, "window_type", d.WindowType),
            BlackmanCoeff = Dbl(h, "blackman_coeff", d.BlackmanCoeff),
            Dither = Dbl(h, "dither", 0),
            PreemphasisCoefficient = Dbl(h, "preemphasis_coefficient", d.PreemphasisCoefficient),
            RemoveDcOffset = Bool(h, "remove_dc_offset", d.RemoveDcOffset),
            RoundToPowerOfTwo = Bool(h, "round_to_power_of_two", d.RoundToPowerOfTwo),
            SnipEdges = Bool(h, "snip_edges", d.SnipEdges),
            RawEnergy = Bool(h, "raw_energy", d.RawEnergy),
            EnergyFloor = Dbl(h, "energy_floor", d.EnergyFloor),
            UseEnergy = Bool(h, "use_energy", d.UseEnergy),
            UseLogFbank = Bool(h, "use_log_fbank", d.UseLogFbank),
            UsePower = Bool(h, "use_power", d.UsePower),
            LowFreq = Dbl(h, "low_freq", d.LowFreq),
            HighFreq = Dbl(h, "high_freq", d.HighFreq),
            HtkCompat = Bool(h, "htk_compat", d.HtkCompat),
            SubtractMean = Bool(h, "subtract_mean", d.SubtractMean),
            VtlnWarp = Dbl(h, "vtln_warp", d.VtlnWarp),
        };
    }

    private static void RunFbank(Fixture f, FixtureReport report)
    {
        var h = f.Hyper;
        var fbank = new KaldiFbank(FbankOptions(h));
        double scale = Dbl(h, "input_scale", 1.0);
        int deltaWin = (int)Dbl(h, "delta_win_length", 5);
        var input = f.Array("inputs", "input");
        var wave = input.ToFloatArray();
        if (scale != 1) for (int i = 0; i < wave.Length; i++) wave[i] = (float)(wave[i] * scale);
        var feats = fbank.Compute(Array.ConvertAll(wave, v => (double)v));
        int frames = fbank.FrameCount(wave.Length), dims = fbank.FeatureCount;
        var d1 = KaldiFbank.Deltas(feats, frames, dims, deltaWin);
        var d2 = KaldiFbank.Deltas(d1, frames, dims, deltaWin);
        foreach (var name in f.Names("outputs"))
        {
            var expected = f.Array("outputs", name);
            (long[] Shape, double[] Values)? got = name switch
            {
                "fbank" => ([frames, dims], feats),
                "delta" => ([frames, dims], d1),
                "delta_delta" => ([frames, dims], d2),
                "features" => ([1, frames, 3 * dims], Concat(feats, d1, d2, frames, dims)),
                "inter_window" => ([fbank.WindowSize], fbank.Window.ToArray()),
                "inter_mel_banks" => ([fbank.Options.NumMelBins, fbank.FftBins], fbank.MelBanks.ToArray()),
                "inter_frames_head" => Head(expected.Shape[0], fbank.PaddedWindowSize, i =>
                {
                    var fr = new double[fbank.PaddedWindowSize];
                    fbank.PrepareFrame(wave, i, fr);
                    return fr;
                }),
                "inter_power_head" => Head(expected.Shape[0], fbank.FftBins, i => fbank.FrameSpectrum(wave, i)),
                _ => null,
            };
            if (got is null) { report.Fail(name, "unknown output of a kaldi.fbank fixture"); continue; }
            Compare(report, f, name, got.Value.Shape, got.Value.Values, expected);
        }
    }

    private static (long[] Shape, double[] Values) Head(long rows, int width, Func<int, double[]> row)
    {
        var values = new double[rows * width];
        for (int i = 0; i < rows; i++) row(i).CopyTo(values, i * width);
        return ([rows, width], values);
    }

    private static double[] Concat(double[] a, double[] b, double[] c, int frames, int dims)
    {
        var r = new double[frames * 3 * dims];
        for (int t = 0; t < frames; t++)
        {
            a.AsSpan(t * dims, dims).CopyTo(r.AsSpan(t * 3 * dims));
            b.AsSpan(t * dims, dims).CopyTo(r.AsSpan(t * 3 * dims + dims));
            c.AsSpan(t * dims, dims).CopyTo(r.AsSpan(t * 3 * dims + 2 * dims));
        }
        return r;
    }

    // ---------------- sub-modules ----------------

    private static void RunSubModule(Fixture f, FixtureReport report)
    {
        var h = f.Hyper;
        string kind = f.Model!["mossformer2_se.".Length..];
        string cls = f.UpstreamClass ?? kind;
        long lorder = (long)Dbl(h, "lorder", 20);
        using torch.nn.Module<Tensor, Tensor> module = (kind, cls) switch
        {
            ("GatedFsmnBlock", _) or (_, "Gated_FSMN_Block") =>
                new GatedFsmnBlock((long)Dbl(h, "dim", 0), (long)Dbl(h, "inner_channels", 256), lorder),
            ("GatedFsmn", _) or (_, "Gated_FSMN") =>
                new GatedFsmn((long)Dbl(h, "in_channels", 0), (long)Dbl(h, "out_channels", 0), lorder, (long)Dbl(h, "hidden_size", 64)),
            ("UniDeepFsmn", _) or (_, "UniDeepFsmn") =>
                new UniDeepFsmn((long)Dbl(h, "input_dim", 0), (long)Dbl(h, "output_dim", 0), lorder, (long)Dbl(h, "hidden_size", 0)),
            _ => throw new NotSupportedException($"mossformer2_se: unknown sub-module '{f.Model}' (class '{cls}')."),
        };
        ModuleFixture.LoadWeights(f, module);
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        Tensor y;
        IReadOnlyDictionary<string, (long[] Shape, double[] Values)> recorded;
        using (var recorder = new IntermediateRecorder(module, SubModuleIntermediates(module)))
        {
            y = module.call(ModuleFixture.Input(f, "input"));
            recorded = recorder.Values;
        }
        foreach (var name in f.Names("outputs"))
        {
            if (name == "output") ModuleFixture.CompareOutput(report, f, name, y);
            else MossFormerFixtures.CompareIntermediate(f, report, name, recorded);
        }
    }

    /// <summary><see cref="UniDeepFsmn"/>: <c>linear</c> (before the ReLU), <c>project</c>, and the memory filter's output
    /// <c>fsmn_conv1</c> in upstream's layout [B, D, T, 1].</summary>
    internal static readonly IntermediateMap UniDeepFsmnIntermediates = new()
    {
        { "fsmn_linear", "linear" },
        { "fsmn_project", "project" },
        { "fsmn_conv1", Intermediate.OutputOf("memory").Then(t => t.transpose(1, 2).unsqueeze(-1)) },
    };

    /// <summary><see cref="GatedFsmn"/>: <c>to_u</c>, <c>to_v</c>, the memory's output and intermediates.</summary>
    internal static readonly IntermediateMap GatedFsmnIntermediates = new()
    {
        { "to_u", "to_u" }, { "to_v", "to_v" }, { "fsmn_out", "fsmn" }, UniDeepFsmnIntermediates.Under("fsmn"),
    };

    /// <summary>The intermediates of a sub-module under test.</summary>
    internal static IntermediateMap SubModuleIntermediates(torch.nn.Module module) => module switch
    {
        GatedFsmnBlock => MossFormerIntermediates.GatedFsmnBlock(GatedFsmnIntermediates),
        GatedFsmn => GatedFsmnIntermediates,
        UniDeepFsmn => UniDeepFsmnIntermediates,
        _ => new IntermediateMap(),
    };

    // ---------------- network ----------------

    private static void RunNetwork(Fixture f, FixtureReport report)
    {
        using var net = Families.MossFormer2SeFamily.Create(f.Hyper);
        var config = net.Config;
        bool published = File.Exists(f.PathOf("keys.json")) && !File.Exists(ModuleFixture.WeightsPath(f));
        if (published)
        {
            ModuleFixture.CompareKeys(report, f, net);
            return;
        }
        ModuleFixture.LoadWeights(f, net);
        using var inference = torch.inference_mode();
        var outputs = f.Names("outputs");
        foreach (var name in outputs.Where(n => n.StartsWith("output", StringComparison.Ordinal)))
        {
            using var scope = torch.NewDisposeScope();
            var x = ModuleFixture.Input(f, "input" + name["output".Length..]);
            ModuleFixture.CompareOutput(report, f, name, net.forward(x));
        }
        if (outputs.Any(n => n.StartsWith("inter_", StringComparison.Ordinal)))
        {
            using var scope = torch.NewDisposeScope();
            using var recorder = new IntermediateRecorder(net, NetworkIntermediates);
            net.ForwardFullPath(ModuleFixture.Input(f, "input"));
            foreach (var name in outputs.Where(n => n.StartsWith("inter_", StringComparison.Ordinal)))
                MossFormerFixtures.CompareIntermediate(f, report, name, recorder.Values);
        }
    }

    /// <summary>
    /// The network's intermediates: those of its mask net (<c>mossformer</c>, MossFormer2's mask net with the
    /// non-dilated FSMN blocks: <c>masknet_norm</c> [B, 180, L], <c>masknet_mdl_in</c>, <c>flash{i}_out</c>,
    /// <c>fsmn{i}_out</c>, <c>intra_mdl_out</c>, <c>masknet_mdl_out</c>, <c>masknet_conv1d_out</c>, <c>masknet_gated</c>,
    /// <c>masks</c>), each <c>masknet_X</c> also as X (upstream TestNet's names).
    /// </summary>
    internal static readonly IntermediateMap NetworkIntermediates = WithShortNames(
        MossFormerIntermediates.MaskNet(MossFormerIntermediates.ComputationBlock).Under("mossformer"));

    private static IntermediateMap WithShortNames(IntermediateMap map)
    {
        foreach (var (name, at) in map.Where(e => e.Key.StartsWith("masknet_", StringComparison.Ordinal)).ToList())
            map.Add(name["masknet_".Length..], at);
        return map;
    }

    // ---------------- pipeline ----------------

    /// <summary>The configuration of a pipeline fixture: the mask net's <c>hyper</c> merged with <c>decode.args</c>.</summary>
    public static MossFormer2SeConfig PipelineConfig(Fixture f)
    {
        var merged = new JsonObject();
        if (f.Hyper.ValueKind == JsonValueKind.Object)
            foreach (var p in f.Hyper.EnumerateObject()) merged[p.Name] = JsonNode.Parse(p.Value.GetRawText());
        if (f.Config.TryGetProperty("decode", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            if (d.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Object)
                foreach (var p in a.EnumerateObject()) merged[p.Name] = JsonNode.Parse(p.Value.GetRawText());
            if (d.TryGetProperty("dither_used_here", out var dither) && dither.ValueKind == JsonValueKind.Number)
                merged["dither"] = dither.GetDouble();
        }
        if (!merged.ContainsKey("sampling_rate") && f.Config.TryGetProperty("sample_rate", out var sr) && sr.ValueKind == JsonValueKind.Number)
            merged["sampling_rate"] = sr.GetInt32();
        using var doc = JsonDocument.Parse(merged.ToJsonString());
        return MossFormer2SeConfig.FromJson(doc.RootElement);
    }

    private static void RunPipeline(Fixture f, FixtureReport report)
    {
        var config = PipelineConfig(f);
        if (config.Dither != 0) { report.Skip("pipeline", $"dither {config.Dither}: not reproducible"); return; }
        using var net = new MossFormer2Se(config);
        ModuleFixture.LoadWeights(f, net);
        var enhancer = new MossFormer2SeEnhancer(net);
        var raw = f.Array("inputs", "raw");
        var x = raw.ToFloatArray();
        MossFormer2SeTrace? first = null;
        var decoded = ClearerVoiceSePipeline.Decode(enhancer, x, (_, t) => first ??= t);
        foreach (var name in f.Names("outputs"))
        {
            var expected = f.Array("outputs", name);
            int frames = first!.Frames, bins = config.OutChannelsFinal;
            (long[] Shape, double[] Values)? got = name switch
            {
                "output" => ([1, x.Length], decoded.AsSpan(0, x.Length).ToArray()),
                "output_padded" or "decoded" => ([1, decoded.Length], decoded),
                "features" => ([1, frames, config.InChannels], Array.ConvertAll(first.Features, v => (double)v)),
                "mask" => ([1, frames, bins], Array.ConvertAll(first.Mask, v => (double)v)),
                "stft_head" or "stft" => StftHead(first, bins, name == "stft" ? frames : (int)expected.Shape[1]),
                _ => null,
            };
            if (got is null) { report.Fail(name, "unknown output of a mossformer2_se.pipeline fixture"); continue; }
            if (name == "output" && expected.Shape.Length == 1) got = ([x.Length], got.Value.Values);
            Compare(report, f, name, got.Value.Shape, got.Value.Values, expected);
        }
    }

    /// <summary>The first <paramref name="count"/> frames of the traced STFT as torch's [bins, frames, 2] (real, imag).</summary>
    private static (long[] Shape, double[] Values) StftHead(MossFormer2SeTrace t, int bins, int count)
    {
        count = Math.Min(count, t.Frames);
        var v = new double[bins * count * 2];
        for (int k = 0; k < bins; k++)
            for (int m = 0; m < count; m++)
            {
                v[(k * count + m) * 2] = t.StftReal[k * t.Frames + m];
                v[(k * count + m) * 2 + 1] = t.StftImag[k * t.Frames + m];
            }
        return ([bins, count, 2], v);
    }

    // ---------------- helpers ----------------

    private static void Compare(FixtureReport report, Fixture f, string name, long[] shape, double[] values, HostTensor expected)
    {
        if (!shape.AsSpan().SequenceEqual(expected.Shape))
        {
            report.Fail(name, $"shape [{string.Join(", ", shape)}] != expected [{string.Join(", ", expected.Shape)}]");
            return;
        }
        report.Compare(name, values, expected.ToDoubleArray(), f.ToleranceFor(name));
    }

    private static double Dbl(JsonElement h, string name, double fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;

    private static bool Bool(JsonElement h, string name, bool fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    private static string Str(JsonElement h, string name, string fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : fallback;
}
