using System.Text.Json.Nodes;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Serialization;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;
using Xunit.Abstractions;

namespace SpeechSeparation.Tests;

/// <summary>
/// ClearerVoice-Studio MossFormer2_SE_48K through the public API: the checkpoint folder, the bare file and the library
/// package load and give upstream's pipeline output (fixture <c>clearvoice_mossformer2_se_48k_pipeline</c>, tiny random
/// weights from the upstream code); bfloat16; the library's windowing against upstream's one pass on real noisy
/// speech; rates, lengths and errors.
/// </summary>
public class MossFormer2SeEnhancerTests(ITestOutputHelper output)
{
    private static readonly string Fixture = TestPaths.Fixture("clearvoice_mossformer2_se_48k_pipeline");
    private static readonly SeparatorOptions NoGain = new() { Gain = GainPolicy.None };

    /// <summary>A ClearerVoice checkpoint folder: <c>last_best_checkpoint</c> naming <c>last_best_checkpoint.pt</c>, the
    /// weights under <c>model</c> with DataParallel's <c>module.</c> prefix.</summary>
    private static string ClearerVoiceFolder()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-se48k").FullName;
        var sd = StateDict.Load(Path.Combine(Fixture, "state_dict.pt")).ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        TorchCheckpoint.Save(Path.Combine(dir, "last_best_checkpoint.pt"), new Dictionary<string, object?> { ["model"] = sd, ["epoch"] = 1L });
        File.WriteAllText(Path.Combine(dir, "last_best_checkpoint"), "last_best_checkpoint.pt");
        return dir;
    }

    private static double MaxAbs(ReadOnlySpan<float> got, ReadOnlySpan<double> expected)
    {
        double m = 0;
        for (int i = 0; i < expected.Length; i++) m = Math.Max(m, Math.Abs(got[i] - expected[i]));
        return m;
    }

    private static double SnrDb(ReadOnlySpan<float> got, ReadOnlySpan<float> reference)
    {
        double s = 0, n = 0;
        for (int i = 0; i < reference.Length; i++) { s += (double)reference[i] * reference[i]; n += (double)(got[i] - reference[i]) * (got[i] - reference[i]); }
        return 10 * Math.Log10(s / n);
    }

    [Fact]
    public void FolderFileAndPackageLoadAndReproduceUpstream()
    {
        var raw = Npy.Read(Path.Combine(Fixture, "raw.npy")).ToFloatArray();          // 2.5 s at 48 kHz
        var expected = Npy.Read(Path.Combine(Fixture, "output.npy")).ToDoubleArray();
        var dir = ClearerVoiceFolder();
        var package = Directory.CreateTempSubdirectory("speechsep-se48k-pkg").FullName;
        try
        {
            float[] viaFolder, viaFile, viaPackage;
            using (var e = Enhancer.Load(dir, NoGain))
            {
                Assert.Equal(48000, e.SampleRate);
                viaFolder = e.Enhance(raw, 48000);
                var net = (NetworkEnhancer)e;
                Assert.Equal("mossformer2_se", net.Network.Architecture);
                Assert.Equal(358_014, net.Network.ParameterCount);
            }
            using (var e = Enhancer.Load(Path.Combine(dir, "last_best_checkpoint.pt"), NoGain)) viaFile = e.Enhance(raw, 48000);
            using (var net = new Models.MossFormer2Se.MossFormer2Se(new MossFormer2SeConfig { OutChannels = 32, NumBlocks = 1 }))
            {
                net.LoadCheckpoint(dir);
                ModelPackage.Save(package, "MossFormer2_SE_48K", 48000, new JsonObject { ["out_channels"] = 32, ["num_blocks"] = 1 }, net);
            }
            using (var e = Enhancer.Load(package, NoGain)) viaPackage = e.Enhance(raw, 48000);
            // ≤ 4 s: one window, no padding, so the public path is upstream's one pass (bound: the fixture's tolerance)
            foreach (var got in new[] { viaFolder, viaFile, viaPackage })
            {
                Assert.Equal(raw.Length, got.Length);
                Assert.True(MaxAbs(got, expected) <= 1.62e-6, $"max |Δ| {MaxAbs(got, expected):G3}");
            }
            Assert.All(viaFolder[^192..], v => Assert.Equal(0f, v));   // upstream's zero tail past the last frame
        }
        finally
        {
            Directory.Delete(dir, true);
            Directory.Delete(package, true);
        }
    }

    [Fact]
    public void BFloat16StaysCloseToFloat32()
    {
        var raw = Npy.Read(Path.Combine(Fixture, "raw.npy")).ToFloatArray();
        var expected = Array.ConvertAll(Npy.Read(Path.Combine(Fixture, "output.npy")).ToDoubleArray(), v => (float)v);
        var dir = ClearerVoiceFolder();
        try
        {
            using var e = Enhancer.Load(dir, NoGain with { Precision = Precision.BFloat16 });
            var got = e.Enhance(raw, 48000);
            double snr = SnrDb(got, expected);
            output.WriteLine($"pipeline fixture, bfloat16 vs upstream float32: SNR {snr:F1} dB");
            Assert.True(snr > 25, $"bfloat16 SNR {snr:F1} dB");
            Assert.All(got, v => Assert.True(float.IsFinite(v)));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Real speech (8 kHz prompts) resampled to 48 kHz plus white noise at 5 dB SNR.</summary>
    private static (float[] At8k, float[] At48k) NoisySpeech(double seconds, int seed)
    {
        var speech = RealSpeech.Voice(RealSpeech.EnglishFemale, seconds, seed);
        double p = speech.Average(v => (double)v * v), sigma = Math.Sqrt(p / Math.Pow(10, 0.5));
        var r = new Random(seed);
        var noisy8 = speech.Select(v => (float)(v + sigma * Math.Sqrt(3) * (2 * r.NextDouble() - 1))).ToArray();
        return (noisy8, Resampler.Create(8000, 48000).Process(noisy8));
    }

    [Fact]
    public void RealNoisySpeechKeepsPipelinePropertiesAndTheLibraryWindowingStaysCloseToUpstream()
    {
        var (mix8, mix48) = NoisySpeech(7.0, 11);
        var dir = ClearerVoiceFolder();
        try
        {
            using var e = Enhancer.Load(dir, NoGain);
            var net = (NetworkEnhancer)e;
            // any rate in, same rate and length out
            var out8 = e.Enhance(mix8, 8000);
            Assert.Equal(mix8.Length, out8.Length);
            Assert.All(out8, v => Assert.True(float.IsFinite(v)));
            Assert.True(out8.Average(v => (double)v * v) > 0);
            // the STFT path alone with a mask of ones gives the mixture back (mask-domain identity)
            using var model = new Models.MossFormer2Se.MossFormer2Se(new MossFormer2SeConfig { OutChannels = 32, NumBlocks = 1 });
            var se = new MossFormer2SeEnhancer(model);
            int frames = se.FrameCount(mix48.Length), covered = 1920 + 384 * (frames - 1);
            var same = se.ApplyMask(mix48, Enumerable.Repeat(1f, frames * 961).ToArray());
            Assert.True(SnrDb(same.AsSpan(0, covered), mix48.AsSpan(0, covered)) > 100);
            // 7 s: upstream decodes in one pass; the library by default in 4-s windows with 1-s raised-cosine cross-fades,
            // the last one zero-padded. The difference comes from each window's own GroupNorm statistics and positions
            // (the zero-padded last window most: 1 s of signal, 3 s of zeros). Measured 8.6 dB with these random weights.
            var upstream = ClearerVoiceSePipeline.Enhance(LoadedEnhancer(dir), mix48);
            var library = e.Enhance(mix48, 48000);
            double snr = SnrDb(library, upstream);
            output.WriteLine($"7 s real noisy speech: library 4-s windowing vs upstream one pass, SNR {snr:F1} dB");
            Assert.True(snr > 6, $"library vs upstream SNR {snr:F1} dB");
            Assert.True(snr < 60, "the 4-s windows should differ from one pass here (else this test measures nothing)");
            // windows of 20 s (upstream's one-pass limit) make every input up to 20 s one pass: upstream exactly
            using (var whole = Enhancer.Load(dir, NoGain with { WindowSeconds = 20, OverlapSeconds = 1 }))
                Assert.True(SnrDb(whole.Enhance(mix48, 48000), upstream) > 100);
            // a window's worth (≤ 4 s) is identical
            var four = mix48.AsSpan(0, 4 * 48000).ToArray();
            Assert.True(SnrDb(e.Enhance(four, 48000), ClearerVoiceSePipeline.Enhance(LoadedEnhancer(dir), four)) > 100);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static MossFormer2SeEnhancer LoadedEnhancer(string dir)
    {
        var net = new Models.MossFormer2Se.MossFormer2Se(new MossFormer2SeConfig { OutChannels = 32, NumBlocks = 1 });
        net.LoadCheckpoint(dir);
        net.eval();
        return new MossFormer2SeEnhancer(net);
    }

    [Fact]
    public void TooShortAndNonFiniteInputsAreRefused()
    {
        var dir = ClearerVoiceFolder();
        try
        {
            using var e = Enhancer.Load(dir, NoGain);
            // 300 samples at 8 kHz = 1800 at 48 kHz, less than one 1920-sample frame
            var ex = Assert.Throws<ArgumentException>(() => e.Enhance(new float[300], 8000));
            Assert.Contains("at least 1920 samples", ex.Message);
            var nan = new float[48000];
            nan[7] = float.NaN;
            Assert.Throws<ArgumentException>(() => e.Enhance(nan, 48000));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void WrongCheckpointIsRefusedWithTheKeysNamed()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-se48k").FullName;
        try
        {
            var sd = StateDict.Load(Path.Combine(Fixture, "state_dict.pt")).ToDictionary(kv => kv.Key, kv => kv.Value);
            sd.Remove("mossformer.output_gate.0.bias");
            TorchCheckpoint.Save(Path.Combine(dir, "last_best_checkpoint.pt"), new Dictionary<string, object?> { ["model"] = sd });
            var ex = Assert.Throws<StateDictMismatchException>(() => Enhancer.Load(dir));
            Assert.Contains("mossformer.output_gate.0.bias", ex.Message);
            Assert.Throws<FileNotFoundException>(() => Enhancer.Load(Directory.CreateTempSubdirectory("speechsep-empty").FullName));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ArchitectureAndCatalogueEntry()
    {
        Assert.Contains("mossformer2_se", Architectures.Names);
        Assert.Contains("MossFormer2_SE_48K", Architectures.Names);
        var entry = ModelCatalog.Find("clearervoice/MossFormer2_SE_48K")!;
        Assert.Equal((ModelTask.SpeechEnhancement, "mossformer2_se", 48000, 1, 55_262_170L, "apache-2.0"),
            (entry.Task, entry.Architecture, entry.SampleRate, entry.Outputs, entry.Parameters, entry.License));
        Assert.Contains("PESQ 3.15", entry.PublishedScores);
        Assert.Contains("SI-SDR 19.36", entry.PublishedScores);
    }
}
