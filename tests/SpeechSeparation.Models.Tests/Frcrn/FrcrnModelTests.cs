using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.FrcrnTests;

using Frcrn = SpeechSeparation.Models.Frcrn.Frcrn;

public class FrcrnModelTests
{
    private static readonly FrcrnConfig Tiny = FrcrnConfig.Published with { Width = 16 };

    private static IReadOnlyDictionary<string, HostTensor> TinyWeights() =>
        StateDict.Load(TestPaths.Fixture("frcrn_tiny", "state_dict.pt"));

    private static float[] Wave(Frcrn m, Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        return m.Enhance(x).ToFloatArray();
    }

    [Fact]
    public void PublishedConfigurationHasUpstreamKeysAndCounts()
    {
        using var m = new Frcrn();
        var sd = m.state_dict();
        Assert.Equal(1692, sd.Count);
        Assert.Equal(13_963_604, m.ParameterCount());
        Assert.Equal(13_141_844, m.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));
        // Alias keys refer to the same tensor.
        Assert.Same(sd["unet.encoder3.conv.conv_re.weight"], sd["unet.encoders.3.conv.conv_re.weight"]);
    }

    [Fact]
    public void PublishedSynthesisKernelIsTheInverseRealDft()
    {
        // win_len == fft_len: pinv(K).T = c_k / N · K row-wise, c_0 = c_{N/2} = 1, otherwise 2.
        const int n = 640;
        var w = StftKernels.SqrtWindow(n, "hann");
        var a = StftKernels.Analysis(n, n, "hann");
        var s = StftKernels.Synthesis(n, n, "hann");
        int f = n / 2 + 1;
        double maxErr = 0;
        for (int r = 0; r < 2 * f; r++)
        {
            int k = r % f;
            double ck = k == 0 || k == n / 2 ? 1 : 2;
            for (int j = 0; j < n; j++)
                maxErr = Math.Max(maxErr, Math.Abs(s[r * n + j] - ck / n * a[r * n + j]));
        }
        Assert.True(maxErr < 1e-8, $"max error {maxErr}");
        Assert.Equal(0.0, w[0]);
    }

    [Fact]
    public void CheckpointWithOnlyOneAliasPerSubModuleLoadsToTheSameModel()
    {
        var full = TinyWeights();
        using var reference = new Frcrn(Tiny);
        FrcrnCheckpoint.Load(reference, full);
        reference.eval();
        using var x = HostTensors.ToTensor(Npy.Read(TestPaths.Fixture("frcrn_tiny", "input_b1.npy"))).DetachFromDisposeScope();
        var expected = Wave(reference, x);

        // Only the add_module names (no ModuleList aliases), no STFT kernels, decorator-level "model." prefix.
        var namesOnly = full.Where(kv => !IsListAlias(kv.Key) && !kv.Key.Contains("stft.", StringComparison.Ordinal))
            .ToDictionary(kv => "model." + kv.Key, kv => kv.Value);
        using var a = new Frcrn(Tiny);
        var report = FrcrnCheckpoint.Load(a, namesOnly);
        a.eval();
        Assert.Equal(4, report.RebuiltKeys.Count);
        Assert.NotEmpty(report.AliasedKeys);
        Assert.Equal(expected, Wave(a, x));

        // Only the ModuleList aliases, with a DataParallel prefix.
        var listsOnly = full.Where(kv => FrcrnCheckpoint.Alias(kv.Key) is null || IsListAlias(kv.Key))
            .ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        using var b = new Frcrn(Tiny);
        FrcrnCheckpoint.Load(b, listsOnly);
        b.eval();
        Assert.Equal(expected, Wave(b, x));
    }

    [Fact]
    public void LoadingNeverSilentlySkipsKeys()
    {
        var full = TinyWeights();
        using var m = new Frcrn(Tiny);
        // A key with neither name.
        var missing = full.Where(kv => !kv.Key.Contains("se_layer_enc2.", StringComparison.Ordinal) && !kv.Key.Contains("se_layers_enc.2.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        var e = Assert.Throws<StateDictMismatchException>(() => FrcrnCheckpoint.Load(m, missing));
        Assert.Contains(e.Result.MissingKeys, k => k.StartsWith("unet.se_layer_enc2.", StringComparison.Ordinal));
        // An unexpected key.
        var extra = full.ToDictionary(kv => kv.Key, kv => kv.Value);
        extra["unet.something.weight"] = HostTensor.FromFloats([1f], 1);
        Assert.Throws<StateDictMismatchException>(() => FrcrnCheckpoint.Load(m, extra));
        // Both aliases present with different values.
        var conflict = full.ToDictionary(kv => kv.Key, kv => kv.Value);
        var key = "unet.encoders.1.conv.conv_re.bias";
        var v = conflict[key].ToDoubleArray().Select(d => (float)d + 1).ToArray();
        conflict[key] = HostTensor.FromFloats(v, conflict[key].Shape);
        Assert.Throws<InvalidDataException>(() => FrcrnCheckpoint.Load(m, conflict));
    }

    [Theory]
    [InlineData("unet.encoder3.conv.conv_re.weight", "unet.encoders.3.conv.conv_re.weight")]
    [InlineData("unet2.se_layer_dec4.fc_r.0.bias", "unet2.se_layers_dec.4.fc_r.0.bias")]
    [InlineData("unet.fsmn_enc0.fsmn_re_L1.linear.weight", "unet.fsmn_enc.0.fsmn_re_L1.linear.weight")]
    [InlineData("unet.fsmn_dec6.fsmn_im_L1.conv1.weight", "unet.fsmn_dec.6.fsmn_im_L1.conv1.weight")]
    public void AliasNamesMapBothWays(string name, string list)
    {
        Assert.Equal(list, FrcrnCheckpoint.Alias(name));
        Assert.Equal(name, FrcrnCheckpoint.Alias(list));
        Assert.Null(FrcrnCheckpoint.Alias("unet.fsmn.fsmn_re_L1.linear.weight"));
        Assert.Null(FrcrnCheckpoint.Alias("stft.weight"));
    }

    [Fact]
    public void ForwardGivesUpstreamShapesAndMaskRange()
    {
        using var m = new Frcrn(Tiny);
        FrcrnCheckpoint.Load(m, TinyWeights());
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var y = m.forward(torch.randn(2, 8000));                   // T = 1 + (8000 − 640)/320 = 24
        Assert.Equal(new long[] { 2, 642, 24 }, y.SpecL2.shape);
        Assert.Equal(new long[] { 2, 8000 }, y.WavL2.shape);
        Assert.Equal(new long[] { 2, 1, 321, 24, 2 }, y.Unet1Out.shape);
        Assert.True(y.MaskL2.abs().max().ToDouble() <= 2);
        Assert.True(y.MaskL1.abs().max().ToDouble() <= 1);
    }

    private static bool IsListAlias(string key) =>
        System.Text.RegularExpressions.Regex.IsMatch(key, @"^unet2?\.(encoders|decoders|se_layers_enc|se_layers_dec|fsmn_enc|fsmn_dec)\.\d+\.");
}
