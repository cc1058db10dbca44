using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.MossFormer;

/// <summary>Skipped unless <c>SPEECHSEP_OPTIN=1</c> (slow or memory-heavy checks).</summary>
public sealed class OptInFactAttribute : FactAttribute
{
    public OptInFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SPEECHSEP_OPTIN") != "1") Skip = "opt-in: set SPEECHSEP_OPTIN=1";
    }
}

public class MossFormerModelTests
{
    private static readonly MossFormerConfig TinyV1 = MossFormerConfig.ModelScope8k with
    {
        InChannels = 64, OutChannels = 64, DModel = 64, NumBlocks = 2, QueryKeyDim = 64,
    };

    private static readonly MossFormer2Config TinyV2 = MossFormer2Config.ModelScope8k with { InChannels = 32, OutChannels = 32, NumBlocks = 2 };

    private static float[] Output(string fixture, string name) =>
        Npy.Read(TestPaths.Fixture(fixture, name + ".npy")).ToFloatArray();

    private static Tensor Input(string fixture, string name) => HostTensors.ToTensor(Npy.Read(TestPaths.Fixture(fixture, name + ".npy")));

    private static void AssertClose(float[] expected, float[] got, double tol)
    {
        Assert.Equal(expected.Length, got.Length);
        double max = 0;
        for (int i = 0; i < got.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - got[i]));
        Assert.True(max <= tol, $"max abs diff {max} > {tol}");
    }

    [Fact]
    public void MossFormerLoadsTheThreeFileLayoutStrictly()
    {
        using var model = new MossFormerSeparator(TinyV1);
        model.LoadCheckpoint(TestPaths.Fixture("mossformer_ms_tiny"));   // encoder.bin, decoder.bin, masknet.bin
        model.eval();
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        var y = model.forward(Input("mossformer_ms_tiny", "input_b2"));
        Assert.Equal([2, 8005, 2], y.shape);
        AssertClose(Output("mossformer_ms_tiny", "output_b2"), y.ToFloatArray(), 1.57e-6);
    }

    [Fact]
    public void MossFormerLoadsTheWholeStateDictFile()
    {
        using var model = new MossFormerSeparator(TinyV1);
        model.LoadCheckpoint(TestPaths.Fixture("mossformer_ms_tiny", "state_dict.pt"));
        model.eval();
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        AssertClose(Output("mossformer_ms_tiny", "output"), model.forward(Input("mossformer_ms_tiny", "input")).ToFloatArray(), 1.57e-6);
    }

    [Fact]
    public void MossFormer2LoadsClearerVoiceCheckpointsNestedUnderModelWithModulePrefix()
    {
        var sd = StateDict.Load(TestPaths.Fixture("clearvoice_mossformer2_ss_tiny", "state_dict.pt"));
        var wrapped = new Dictionary<string, object?>
        {
            ["model"] = sd.ToDictionary(kv => "module." + kv.Key, kv => (object?)kv.Value),
            ["epoch"] = 7L,
        };
        var path = Path.Combine(Path.GetTempPath(), $"cv_mf2_{Guid.NewGuid():N}.pt");
        try
        {
            TorchCheckpoint.Save(path, wrapped);
            using var model = new MossFormer2Separator(MossFormer2Config.ClearerVoice16k with { InChannels = 32, OutChannels = 32, NumBlocks = 1 });
            model.LoadCheckpoint(path);
            model.eval();
            using var scope = torch.NewDisposeScope();
            using var _ = torch.inference_mode();
            var y = model.forward(Input("clearvoice_mossformer2_ss_tiny", "input")).permute(2, 0, 1).contiguous(); // [S, B, T]
            AssertClose(Output("clearvoice_mossformer2_ss_tiny", "output"), y.ToFloatArray(), 1.43e-6);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void StrictLoadingRejectsMissingKeys()
    {
        var sd = StateDict.Load(TestPaths.Fixture("mossformer2_ms_tiny", "state_dict.pt"))
            .Where(kv => kv.Key != "dec.weight").ToDictionary(kv => kv.Key, kv => kv.Value);
        using var model = new MossFormer2Separator(TinyV2);
        var e = Assert.Throws<StateDictMismatchException>(() => { model.LoadStateDict(sd); });
        Assert.Contains("dec.weight", e.Message);
    }

    [Fact]
    public void RotaryFrequenciesAreSharedAndCountedOnce()
    {
        using var model = new MossFormer2Separator(TinyV2);
        var sd = model.state_dict();
        var freqs = sd.Where(kv => kv.Key.EndsWith("rotary_pos_emb.freqs", StringComparison.Ordinal)).Select(kv => kv.Value).ToList();
        Assert.Equal(2, freqs.Count);
        Assert.Same(freqs[0], freqs[1]);
        Assert.Equal(16, model.named_parameters().Where(p => p.name.EndsWith("freqs", StringComparison.Ordinal)).Sum(p => p.parameter.numel()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void AnySpeakerCountGivesBatchTimeSpeakers(int speakers)
    {
        using var v1 = new MossFormerSeparator(TinyV1 with { NumSpks = speakers });
        using var v2 = new MossFormer2Separator(TinyV2 with { NumSpks = speakers, NumBlocks = 1 });
        v1.eval();
        v2.eval();
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        var x = torch.randn(2, 1003);
        Assert.Equal([2, 1003, speakers], v1.forward(x).shape);
        Assert.Equal([2, 1003, speakers], v2.forward(x).shape);
    }

    [Fact]
    public void ForwardLeavesOnlyItsResultInTheCallersScope()
    {
        using var model = new MossFormer2Separator(TinyV2);
        model.eval();
        using var _ = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(1, 2000);
        int before = scope.DisposablesCount;
        var y = model.forward(x);
        Assert.Equal(before + 1, scope.DisposablesCount);
        Assert.False(y.IsInvalid);
    }

    [Fact]
    public void ConfigsReadUpstreamNames()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""{"encoder_embedding_dim": 64, "mossformer_sequence_dim": 64, "num_mossformer_layer": 3, "encoder_kernel_size": 8, "num_spks": 3}""");
        var c = MossFormer2Config.FromJson(doc.RootElement);
        Assert.Equal((64, 64, 3, 8, 3), (c.InChannels, c.OutChannels, c.NumBlocks, c.KernelSize, c.NumSpks));
        using var doc1 = System.Text.Json.JsonDocument.Parse("""{"num_spks": 2, "d_model": 256, "expansion_factor": 4.0, "norm": "ln", "bias": false}""");
        var c1 = MossFormerConfig.FromJson(doc1.RootElement);
        Assert.Equal(256, c1.DModel);
        Assert.Equal(16000, MossFormer2Config.ClearerVoice16k.SampleRate);
    }

    [Fact]
    public void ClearerVoiceDecodeKeepsUpstreamPaddingRule()
    {
        // identity "model" returning the input as one speaker: the decode must reproduce the window stitching
        using var identity = new IdentitySeparator();
        var x = new float[96000];
        var rng = new Random(1);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
        var decoded = ClearerVoicePipeline.Decode(identity, x, 16000);
        Assert.Single(decoded);
        Assert.Equal(144000, decoded[0].Length);   // 96000 + (96000 - 2·24000) zeros, as upstream
        double ratio = decoded[0][50000] / x[50000];
        for (int i = 0; i < 96000; i += 997) Assert.Equal(x[i] * ratio, decoded[0][i], 1e-5);
    }

    private sealed class IdentitySeparator : Module<Tensor, Tensor>
    {
        public override Tensor forward(Tensor input) => input.unsqueeze(-1); // [B, T, 1]
    }

    [OptInFact]
    public void FullMossFormer2RunsOneSecond()
    {
        using var model = new MossFormer2Separator(MossFormer2Config.ModelScope8k);
        model.eval();
        Assert.Equal(55_735_410, model.ParameterCount());
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        var y = model.forward(torch.randn(1, 8000).Mul(0.1));
        Assert.Equal([1, 8000, 2], y.shape);
        Assert.True(y.isfinite().all().ToDouble() != 0);
    }

    [OptInFact]
    public void FullMossFormerRunsOneSecond()
    {
        using var model = new MossFormerSeparator(MossFormerConfig.ModelScope8k);
        model.eval();
        Assert.Equal(42_101_850, model.ParameterCount());
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        var y = model.forward(torch.randn(1, 8000).Mul(0.1));
        Assert.Equal([1, 8000, 2], y.shape);
    }
}
