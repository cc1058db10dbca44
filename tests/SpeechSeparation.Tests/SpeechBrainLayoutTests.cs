using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Tests;

/// <summary>
/// The MossFormer2 authors' SpeechBrain-layout checkpoints (alibabasglab/mossformer2-*): every form loads through
/// <see cref="Separator.Load(string, SeparatorOptions?)"/> and gives the upstream output of the fixture
/// (sb_mossformer2_3spk_tiny: 3 speakers, random weights, produced by the upstream code); mismatches are named.
/// </summary>
public sealed class SpeechBrainLayoutTests : IDisposable
{
    private static readonly string Source = TestPaths.Fixture("sb_mossformer2_3spk_tiny");
    private readonly string _dir = Directory.CreateTempSubdirectory("speechsep-sb").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonObject Hyper() => JsonNode.Parse(File.ReadAllText(Path.Combine(Source, "config.json")))!["hyper"]!.DeepClone().AsObject();

    private static SeparatorOptions Exact => new() { Gain = GainPolicy.None, WindowSeconds = 60, OverlapSeconds = 0 };

    /// <summary>A folder as the HF repository has it: config.json and the three .ckpt files.</summary>
    private string ThreeFileFolder(JsonObject? config = null)
    {
        foreach (var (file, _) in SpeechBrainLayout.Files) File.Copy(Path.Combine(Source, file), Path.Combine(_dir, file), overwrite: true);
        File.WriteAllText(Path.Combine(_dir, "config.json"), (config ?? Hyper()).ToJsonString());
        return _dir;
    }

    /// <summary>max |separated − expected| over every speaker and sample ([1, T, S] expected).</summary>
    private static double MaxError(ISeparator sep, string expectedFile)
    {
        var input = Npy.Read(Path.Combine(Source, "input.npy")).ToFloatArray();
        var expected = Npy.Read(Path.Combine(Source, expectedFile)).ToDoubleArray();
        var r = sep.Separate(input, 8000);
        int s = sep.NumSources;
        double max = 0;
        for (int k = 0; k < s; k++)
        {
            var got = r.Sources[k].Channel(0);
            for (int t = 0; t < input.Length; t++) max = Math.Max(max, Math.Abs(got[t] - expected[t * s + k]));
        }
        return max;
    }

    private static double Bound(string output) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Source, "config.json")))!["tolerance"]![output]!["max_abs"]!.GetValue<double>();

    [Fact]
    public void ThreeFileFolderSeparatesIntoThreeSpeakersAsUpstream()
    {
        using var sep = Separator.Load(ThreeFileFolder(), Exact);
        Assert.Equal(3, sep.NumSources);
        Assert.Equal(8000, sep.SampleRate);
        double err = MaxError(sep, "output.npy");
        Assert.True(err <= Bound("default"), $"max |Δ| {err:G3}");
    }

    [Fact]
    public void SinglePytorchModelBinWithoutConfigLoadsTheSame()
    {
        // The wrapper's whole state dict, as PyTorchModelHubMixin pushed it, and no config.json: the widths, depth and
        // speaker count come from the weights.
        TorchCheckpoint.Save(Path.Combine(_dir, SpeechBrainLayout.SingleFile), SpeechBrainLayout.LoadWrapper(Source));
        using (var sep = Separator.Load(_dir, Exact))
        {
            Assert.Equal(3, sep.NumSources);
            Assert.True(MaxError(sep, "output.npy") <= Bound("default"));
        }
        // The file alone, without saying which architecture it is: detected by its keys.
        using (var sep = Separator.Load(Path.Combine(_dir, SpeechBrainLayout.SingleFile), Exact))
            Assert.True(MaxError(sep, "output.npy") <= Bound("default"));
    }

    [Fact]
    public void InferredConfigurationEqualsTheRepositoryConfig()
    {
        var inferred = SpeechBrainLayout.InferConfig(SpeechBrainLayout.Load(Source));
        var given = MossFormer2Config.FromJson(JsonDocument.Parse(Hyper().ToJsonString()).RootElement);
        Assert.Equal(given, inferred);
        Assert.Equal((32, 2, 3, 16), (inferred.InChannels, inferred.NumBlocks, inferred.NumSpks, inferred.KernelSize));
    }

    [Fact]
    public void WhamrConfigNameDecodesTheMaskNetOutputDirectly()
    {
        var cfg = Hyper();
        cfg["config_name"] = MossFormer2Config.WhamrConfigName;
        using var sep = Separator.Load(ThreeFileFolder(cfg), Exact);
        double err = MaxError(sep, "output_alt_branch.npy");
        Assert.True(err <= Bound("output_alt_branch"), $"max |Δ| {err:G3}");
        // The explicit option wins over the name.
        cfg["apply_mask"] = true;
        using var masked = Separator.Load(ThreeFileFolder(cfg), Exact);
        Assert.True(MaxError(masked, "output.npy") <= Bound("default"));
    }

    [Fact]
    public void PackageFormatKeepsTheOutputBranchAndTheOutputs()
    {
        var cfg = Hyper();
        cfg["config_name"] = MossFormer2Config.WhamrConfigName;
        var config = MossFormer2Config.FromJson(JsonDocument.Parse(cfg.ToJsonString()).RootElement);
        using var model = new MossFormer2Separator(config);
        model.LoadCheckpoint(Source);
        var package = Path.Combine(_dir, "package");
        ModelPackage.Save(package, "mossformer2", 8000, JsonSerializer.SerializeToNode(config)!.AsObject(), model);
        using var sep = Separator.Load(package, Exact);
        Assert.True(MaxError(sep, "output_alt_branch.npy") <= Bound("output_alt_branch"));
    }

    [Fact]
    public void MissingKeyIsNamedAsInTheCheckpoint()
    {
        ThreeFileFolder();
        var masknet = StateDict.Load(Path.Combine(Source, "masknet.ckpt"))
            .Where(kv => kv.Key != "dual_mdl.0.intra_mdl.mdl.flashT.fsmn.1.conv1.0.bias").ToDictionary();
        TorchCheckpoint.Save(Path.Combine(_dir, "masknet.ckpt"), masknet);
        var e = Assert.Throws<StateDictMismatchException>(() => Separator.Load(_dir, Exact));
        Assert.Contains("missing keys (1)", e.Message);
        Assert.Contains("masknet.dual_mdl.0.intra_mdl.mdl.flashT.fsmn.1.conv1.0.bias", e.Message);
        Assert.Single(e.Result.MissingKeys);
    }

    [Fact]
    public void WrongSpeakerCountIsAMisShapedKey()
    {
        var cfg = Hyper();
        cfg["masknet_numspks"] = 2;
        var e = Assert.Throws<StateDictMismatchException>(() => Separator.Load(ThreeFileFolder(cfg), Exact));
        Assert.Contains("masknet.conv1d_out.weight", e.Message);
        Assert.Contains("checkpoint [96, 32, 1], model [64, 32, 1]", e.Message);
    }

    [Fact]
    public void UnexpectedKeyAndMissingFileAreErrors()
    {
        ThreeFileFolder();
        var decoder = StateDict.Load(Path.Combine(Source, "decoder.ckpt")).ToDictionary();
        decoder["bias"] = HostTensor.FromFloats([0f], 1);
        TorchCheckpoint.Save(Path.Combine(_dir, "decoder.ckpt"), decoder);
        var e = Assert.Throws<StateDictMismatchException>(() => Separator.Load(_dir, Exact));
        Assert.Contains("unexpected keys (1): decoder.bias", e.Message);
        File.Delete(Path.Combine(_dir, "decoder.ckpt"));
        var missing = Assert.Throws<FileNotFoundException>(() => Separator.Load(_dir, Exact));
        Assert.Contains("decoder.ckpt", missing.Message);
    }

    [Fact]
    public void OptionsTheNetworkDoesNotHaveAreRefused()
    {
        var cfg = Hyper();
        cfg["masknet_numlayers"] = 2;
        var e = Assert.Throws<NotSupportedException>(() => MossFormer2Config.FromJson(JsonDocument.Parse(cfg.ToJsonString()).RootElement));
        Assert.Contains("masknet_numlayers", e.Message);
    }

    [Fact]
    public void KeyMappingIsOneToOneOverThePublishedManifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("sb_mossformer2_3spk_published_keys", "keys.json")));
        var rows = doc.RootElement.GetProperty("modelscope_names").EnumerateArray().ToList();
        Assert.Equal(1099, rows.Count);
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            string prefix = SpeechBrainLayout.Files.Single(f => f.File == row[0].GetString()).Prefix;
            string sb = prefix + row[1].GetString(), ms = row[2].GetString()!;
            Assert.Equal(ms, SpeechBrainLayout.ToModelScopeKey(sb));
            Assert.Equal(sb, SpeechBrainLayout.FromModelScopeKey(ms));
            Assert.True(targets.Add(ms), ms);
        }
        Assert.Throws<InvalidDataException>(() => SpeechBrainLayout.ToModelScopeKey("extra.weight"));
    }

    [Fact]
    public void UpstreamPeakNormalisationStaysInTheReplayPipeline()
    {
        using var model = new MossFormer2Separator(SpeechBrainLayout.InferConfig(SpeechBrainLayout.Load(Source)));
        model.LoadCheckpoint(Source);
        model.eval();
        // Upstream divides each stem by its peak: every stem peaks at exactly 1, and silence gives 0/0 = NaN there.
        var raw = Npy.Read(Path.Combine(Source, "pipe_raw.npy")).ToFloatArray();
        Assert.All(SpeechBrainPipeline.Inference(model, raw), stem => Assert.Equal(1f, stem.Max(Math.Abs)));
        Assert.All(SpeechBrainPipeline.Inference(model, new float[4000]), stem => Assert.All(stem, v => Assert.True(float.IsNaN(v))));
        // The public separator keeps its gain policy: silence in, silence out.
        using var sep = Separator.Load(ThreeFileFolder());
        var r = sep.Separate(new float[4000], 8000);
        Assert.All(r.Sources, s => Assert.All(s.Channel(0).ToArray(), v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void CatalogueListsThePublishedRepositories()
    {
        var three = ModelCatalog.Find("alibabasglab/mossformer2-wsj0mix-3spk")!;
        Assert.Equal((3, 8000, 55_998_066L, "apache-2.0"), (three.Outputs, three.SampleRate, three.Parameters, three.License));
        Assert.Equal(2, ModelCatalog.Find("alibabasglab/mossformer2-whamr-2spk")!.Outputs);
        Assert.Equal("mit", ModelCatalog.Find("alibabasglab/mossformer2-whamr-2spk")!.License);
        Assert.NotNull(ModelCatalog.Find("alibabasglab/mossformer2-librimix-2spk"));
    }
}
