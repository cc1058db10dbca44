using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Tests;
using Xunit.Abstractions;

namespace SpeechSeparation.Models.Tests.MossFormer2Se;

/// <summary>ClearerVoice-Studio MossFormer2_SE_48K: the fixtures through check-fixture's handler, and the network,
/// signal path and upstream replay on their own.</summary>
public class MossFormer2SeTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => new()
    {
        "clearvoice_mossformer2_se_48k_fbank",
        "clearvoice_mossformer2_se_48k_gated_fsmn_block",
        "clearvoice_mossformer2_se_48k_tiny",
        "clearvoice_mossformer2_se_48k_pipeline",
        "clearvoice_mossformer2_se_48k_published_keys",
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FixturePasses(string name) => FixtureAssert.Passes(TestPaths.Fixture(name));

    [Fact]
    public void FixturesCompareEveryListedOutputAndThePublishedManifest()
    {
        var tiny = FixtureAssert.Passes(TestPaths.Fixture("clearvoice_mossformer2_se_48k_tiny")).Checks.Select(c => c.Name).ToList();
        Assert.Equal(["output", "output_b2", "inter_norm", "inter_flash0_out", "inter_fsmn0_out", "inter_intra_mdl_out", "inter_mdl_in",
            "inter_mdl_out", "inter_conv1d_out", "inter_gated"], tiny);
        var pipe = FixtureAssert.Passes(TestPaths.Fixture("clearvoice_mossformer2_se_48k_pipeline")).Checks.Select(c => c.Name).ToList();
        Assert.Equal(["output", "features", "mask", "stft_head"], pipe);
        var keys = FixtureAssert.Passes(TestPaths.Fixture("clearvoice_mossformer2_se_48k_published_keys"));
        Assert.Contains(keys.Checks, c => c.Name == "param_count" && c.Detail.StartsWith("55,262,170", StringComparison.Ordinal));
        Assert.Contains(keys.Checks, c => c.Name == "state_dict keys" && c.Detail.StartsWith("929 keys", StringComparison.Ordinal));
    }

    private static MossFormer2SeConfig Tiny => new() { OutChannels = 16, NumBlocks = 1 };

    private static float[] Noise(int n, int seed, double amplitude = 0.1)
    {
        var r = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(amplitude * (r.NextDouble() * 2 - 1) + 0.2 * Math.Sin(2 * Math.PI * 440 * i / 48000.0));
        return x;
    }

    [Fact]
    public void SpeakerZeroPathEqualsTheFullTwoHeadPath()
    {
        using var net = new Models.MossFormer2Se.MossFormer2Se(Tiny);
        net.eval();
        using var scope = torch.NewDisposeScope();
        using var mode = torch.inference_mode();
        var x = torch.randn(2, 30, 180);
        var fast = net.forward(x);
        var full = net.ForwardFullPath(x);
        Assert.Equal(new long[] { 2, 30, 961 }, fast.shape);
        float diff = (fast - full).abs().max().item<float>(), peak = full.abs().max().item<float>();
        Assert.True(peak > 0 && diff <= 1e-5f * peak, $"speaker-0 path differs by {diff} (peak {peak})");
        Assert.True(fast.min().item<float>() >= 0);   // ReLU mask
    }

    [Fact]
    public void FreshNetworkHasPyTorchInitialNorms()
    {
        // regression: TorchSharp's GroupNorm left its affine parameters uninitialised (values up to 1e38 → NaN masks)
        for (int i = 0; i < 3; i++)
        {
            using var net = new Models.MossFormer2Se.MossFormer2Se(Tiny);
            var sd = net.StateDictToHost();
            foreach (var key in new[] { "mossformer.norm", "mossformer.mdl.intra_norm" })
            {
                Assert.All(sd[key + ".weight"].ToFloatArray(), v => Assert.Equal(1f, v));
                Assert.All(sd[key + ".bias"].ToFloatArray(), v => Assert.Equal(0f, v));
            }
        }
    }

    [Fact]
    public void MaskOfOnesReconstructsTheInputAndZerosTheTail()
    {
        using var net = new Models.MossFormer2Se.MossFormer2Se(Tiny);
        var enhancer = new MossFormer2SeEnhancer(net);
        var x = Noise(48000 + 100, 1);
        int frames = enhancer.FrameCount(x.Length);
        Assert.Equal(1 + (x.Length - 1920) / 384, frames);
        int covered = 1920 + 384 * (frames - 1);
        var ones = Enumerable.Repeat(1f, frames * 961).ToArray();
        var y = enhancer.ApplyMask(x, ones);
        Assert.Equal(x.Length, y.Length);
        double maxErr = 0;
        for (int i = 0; i < covered; i++) maxErr = Math.Max(maxErr, Math.Abs(y[i] - x[i]));
        Assert.True(maxErr < 2e-6, $"identity max error {maxErr}");
        Assert.All(y[covered..], v => Assert.Equal(0f, v));    // past the last frame: zeros, as torch.istft(length=T)
        Assert.True(x.Length - covered is > 0 and < 384);
        var half = enhancer.ApplyMask(x, Enumerable.Repeat(0.5f, frames * 961).ToArray());
        for (int i = 0; i < covered; i += 997) Assert.Equal(0.5 * x[i], half[i], 5);
        Assert.All(enhancer.ApplyMask(x, new float[frames * 961]), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentException>(() => enhancer.ApplyMask(x, new float[10]));
    }

    [Fact]
    public void ShortNonFiniteAndMisShapedInputsAreRefusedClearly()
    {
        using var net = new Models.MossFormer2Se.MossFormer2Se(Tiny);
        net.eval();
        var enhancer = new MossFormer2SeEnhancer(net);
        var e = Assert.Throws<ArgumentException>(() => enhancer.Enhance(new float[1919]));
        Assert.Contains("at least 1920 samples", e.Message);
        Assert.Contains("got 1919", e.Message);
        Assert.Equal(1920, enhancer.Enhance(Noise(1920, 2)).Length);       // one frame is enough
        var nan = Noise(4000, 3);
        nan[1234] = float.NaN;
        Assert.Contains("sample 1234", Assert.Throws<ArgumentException>(() => enhancer.Enhance(nan)).Message);
        Assert.Throws<ArgumentException>(() => ClearerVoiceSePipeline.Decode(enhancer, nan));
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => enhancer.Enhance(torch.zeros(1, 1000)));
        Assert.Throws<ArgumentException>(() => net.forward(torch.zeros(1, 10, 60)));
    }

    [Fact]
    public void CheckpointLoadsStrictlyWithModelKeyAndModulePrefixAndNamesWrongKeys()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-se48k").FullName;
        try
        {
            using var source = new Models.MossFormer2Se.MossFormer2Se(Tiny);
            var sd = source.StateDictToHost();
            var prefixed = sd.ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
            TorchCheckpoint.Save(Path.Combine(dir, "epoch.7.pt"), new Dictionary<string, object?> { ["model"] = prefixed, ["epoch"] = 7L });
            File.WriteAllText(Path.Combine(dir, "last_best_checkpoint"), "epoch.7.pt\n");
            using var loaded = new Models.MossFormer2Se.MossFormer2Se(Tiny);
            loaded.LoadCheckpoint(dir);
            var got = loaded.StateDictToHost();
            Assert.Equal(sd.Keys, got.Keys);
            Assert.All(sd, kv => Assert.Equal(kv.Value.ToFloatArray(), got[kv.Key].ToFloatArray()));
            Assert.Equal(Tiny with { NumMels = 60 }, Models.MossFormer2Se.MossFormer2Se.InferConfig(prefixed));

            // a key missing, one unexpected, one mis-shaped: all three named
            var broken = sd.ToDictionary(kv => kv.Key, kv => kv.Value);
            broken.Remove("mossformer.mdl.intra_mdl.mossformerM.fsmn.0.gated_fsmn.fsmn.conv1.weight");
            broken["mossformer.extra.weight"] = sd["mossformer.prelu.weight"];
            broken["mossformer.conv1_decoder.weight"] = HostTensor.FromFloats(new float[16 * 16], 16, 16, 1);
            var file = Path.Combine(dir, "broken.pt");
            TorchCheckpoint.Save(file, new Dictionary<string, object?> { ["model"] = broken });
            using var target = new Models.MossFormer2Se.MossFormer2Se(Tiny);
            var ex = Assert.Throws<StateDictMismatchException>(() => target.LoadCheckpoint(file));
            Assert.Contains("fsmn.0.gated_fsmn.fsmn.conv1.weight", ex.Message);
            Assert.Contains("mossformer.extra.weight", ex.Message);
            Assert.Contains("mossformer.conv1_decoder.weight", ex.Message);
            Assert.Throws<FileNotFoundException>(() => Models.MossFormer2Se.MossFormer2Se.CheckpointFile(Directory.CreateTempSubdirectory().FullName));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void DecodePlanFollowsUpstreamPadding()
    {
        var c = MossFormer2SeConfig.Published;
        Assert.False(ClearerVoiceSePipeline.Plan(960_000, c).Windowed);                  // 20 s: one pass, no padding
        var p21 = ClearerVoiceSePipeline.Plan(960_001, c);
        Assert.True(p21.Windowed);
        Assert.Equal((192_000, 144_000, 24_000), (p21.Window, p21.Stride, p21.GiveUp));
        var p23 = ClearerVoiceSePipeline.Plan(1_104_000, c);                               // spec §8.3: 23 s → 28 s, 9 windows
        Assert.Equal(1_344_000, p23.PaddedLength);
        Assert.Equal(9, p23.Starts.Count());
        var p22 = ClearerVoiceSePipeline.Plan(1_056_000, c);                               // (T − W) a multiple of S: no padding
        Assert.Equal(1_056_000, p22.PaddedLength);
        Assert.Equal([0, 144_000, 288_000, 432_000, 576_000, 720_000, 864_000], p22.Starts);
    }

    [Fact]
    public void LongInputsAreReplayedInIndependentWindowsWithHardCuts()
    {
        using var net = new Models.MossFormer2Se.MossFormer2Se(Tiny);
        net.eval();
        var enhancer = new MossFormer2SeEnhancer(net);
        // 22 s: exactly 7 windows, no padding, so the last 0.5 s is never written (upstream's zero tail)
        var x = Noise(1_056_000, 4);
        var calls = new List<int>();
        var y = ClearerVoiceSePipeline.Decode(enhancer, x, (start, trace) =>
        {
            calls.Add(start);
            Assert.Equal(496, trace.Frames);                   // 4 s windows: 1 + (192000 − 1920)/384
        });
        Assert.Equal(1_056_000, y.Length);
        Assert.Equal([0, 144_000, 288_000, 432_000, 576_000, 720_000, 864_000], calls);
        const int w = 192_000, s = 144_000, g = 24_000;
        // the first window writes [0, W − G); window k its [G, W − G) at k·S
        var first = enhancer.Enhance(x.AsSpan(0, w));
        for (int i = 0; i < w - g; i += 101) Assert.Equal(first[i], y[i]);
        var third = enhancer.Enhance(x.AsSpan(2 * s, w));
        for (int i = g; i < w - g; i += 101) Assert.Equal(third[i], y[2 * s + i]);
        // a hard cut: just after the join, window 3 (not window 2) holds the output
        Assert.Equal(third[g], y[2 * s + g]);
        Assert.All(y[^g..], v => Assert.Equal(0, v));
        Assert.NotEqual(0, y[^(g + 1)]);
        output.WriteLine($"22 s decoded in {calls.Count} windows");
    }

    [Fact]
    public void TinyFixtureInBFloat16StaysCloseToFloat32()
    {
        var dir = TestPaths.Fixture("clearvoice_mossformer2_se_48k_tiny");
        using var net = new Models.MossFormer2Se.MossFormer2Se(new MossFormer2SeConfig { OutChannels = 32, NumBlocks = 2 });
        net.LoadStateDict(StateDict.Load(Path.Combine(dir, "state_dict.pt")));
        net.eval();
        using var scope = torch.NewDisposeScope();
        using var mode = torch.inference_mode();
        var x = HostTensors.ToTensor(Npy.Read(Path.Combine(dir, "input.npy")));
        var expected = HostTensors.ToTensor(Npy.Read(Path.Combine(dir, "output.npy")));
        var fp32 = net.forward(x);
        net.to(ScalarType.BFloat16);
        var bf16 = net.forward(x.to(ScalarType.BFloat16)).to(ScalarType.Float32);
        double Snr(Tensor got) => 10 * Math.Log10((expected * expected).sum().item<float>() / ((got - expected) * (got - expected)).sum().item<float>());
        double snr32 = Snr(fp32), snr16 = Snr(bf16);
        double maxAbs = (bf16 - expected).abs().max().item<float>();
        output.WriteLine($"mask SNR vs upstream float32: float32 {snr32:F1} dB, bfloat16 {snr16:F1} dB (max |diff| {maxAbs:G3}, mask peak {expected.abs().max().item<float>():G3})");
        Assert.True(snr32 > 100);
        Assert.True(snr16 > 25, $"bfloat16 mask SNR {snr16:F1} dB");
    }
}
