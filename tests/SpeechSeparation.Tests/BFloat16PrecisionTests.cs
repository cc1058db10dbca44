using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using Xunit.Abstractions;

namespace SpeechSeparation.Tests;

/// <summary>
/// <see cref="Precision.BFloat16"/>: the tiny MossFormer, MossFormer2 and FRCRN fixtures run in bfloat16 and their
/// outputs are compared with the upstream float32 outputs by SI-SNR (the accuracy report in docs/api.md).
/// </summary>
/// <remarks>
/// bfloat16 keeps 8 significant bits, so one rounding of a signal alone limits it to about 56 dB SI-SNR; the
/// roundings of tens of layers accumulate to the values measured here (docs/api.md, "bfloat16 precision"): MossFormer
/// 39.9–41.9 dB, MossFormer2 37.4–43.6 dB, the hourglass mask network 38.9–48.6 dB, FRCRN 27.0–34.4 dB with its float32
/// path on CPUs without bfloat16 arithmetic and 22.7–31.0 dB with libtorch's bfloat16 kernels (its two deep U-Nets round most). The thresholds sit 5–7 dB or more below the lowest measured value of each model, room for other
/// CPUs' kernels (with or without AVX512-BF16) accumulating in a different order, yet above what a real error gives
/// (a source lost or swapped: below 0 dB; MossFormer's frequency tables rounded to bfloat16 as well: 15–18 dB).
/// </remarks>
// Runs alone (in the memory measurements' collection): its random models are drawn from libtorch's global generator
// after manual_seed, which tests running in parallel would otherwise consume in between.
[Collection(nameof(MemoryMeasurement))]
public class BFloat16PrecisionTests(ITestOutputHelper output)
{
    private static readonly SeparatorOptions Whole = new() { Gain = GainPolicy.None, WindowSeconds = 60, OverlapSeconds = 0 };

    /// <summary>
    /// Scale-invariant SNR in dB of <paramref name="estimate"/> against <paramref name="reference"/> (both made zero-mean)
    /// without the metric library's ε = 1e-8: a random model's stems can be nearly silent (energy ~1e-9), where that ε
    /// would dominate; a relative bf16-vs-fp32 comparison needs the pure ratio.
    /// </summary>
    private static double SiSnr(ReadOnlySpan<float> estimate, ReadOnlySpan<double> reference)
    {
        double me = 0, mr = 0;
        for (int i = 0; i < reference.Length; i++) { me += estimate[i]; mr += reference[i]; }
        me /= reference.Length;
        mr /= reference.Length;
        double dot = 0, rr = 0;
        for (int i = 0; i < reference.Length; i++) { dot += (estimate[i] - me) * (reference[i] - mr); rr += (reference[i] - mr) * (reference[i] - mr); }
        double a = dot / rr, target = 0, noise = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double s = a * (reference[i] - mr), e = estimate[i] - me - s;
            target += s * s;
            noise += e * e;
        }
        return 10 * Math.Log10(target / noise);
    }

    private static string ModelScopeFolder(string fixture, string type, Action<string, string> placeWeights)
    {
        var src = TestPaths.Fixture(fixture);
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!;
        var dir = Directory.CreateTempSubdirectory("speechsep-bf16").FullName;
        var model = cfg["hyper"]!.DeepClone().AsObject();
        model["type"] = type;
        File.WriteAllText(Path.Combine(dir, "configuration.json"), new JsonObject { ["model"] = model }.ToJsonString());
        placeWeights(src, dir);
        return dir;
    }

    private static void CopyWeights(string src, string dir, params (string From, string To)[] files)
    {
        foreach (var (from, to) in files) File.Copy(Path.Combine(src, from), Path.Combine(dir, to));
    }

    [Theory]
    [InlineData("mossformer_ms_tiny", 30.0)]
    [InlineData("mossformer2_ms_tiny", 30.0)]
    public void MossFormerTinyFixturesInBFloat16StayCloseToTheFloat32Reference(string fixture, double minSiSnr)
    {
        var dir = fixture == "mossformer_ms_tiny"
            ? ModelScopeFolder(fixture, "speech_mossformer_separation_temporal_8k", (s, d) => CopyWeights(s, d, ("encoder.bin", "encoder.bin"), ("decoder.bin", "decoder.bin"), ("masknet.bin", "masknet.bin")))
            : ModelScopeFolder(fixture, "speech_mossformer2_separation_temporal_8k", (s, d) => CopyWeights(s, d, ("state_dict.pt", "pytorch_model.bin")));
        try
        {
            var src = TestPaths.Fixture(fixture);
            foreach (var (input, outputName) in new[] { ("input.npy", "output.npy"), ("input_b2.npy", "output_b2.npy") })
            {
                var x = Npy.Read(Path.Combine(src, input));                          // [B, T]
                var expected = Npy.Read(Path.Combine(src, outputName)).ToDoubleArray(); // [B, T, S]
                int B = (int)x.Shape[0], T = (int)x.Shape[1];
                var samples = x.ToFloatArray();
                using var sep = Separator.Load(dir, Whole with { Precision = Precision.BFloat16 });
                int S = sep.NumSources;
                for (int b = 0; b < B; b++)
                {
                    var r = sep.Separate(samples.AsSpan(b * T, T), 8000);
                    for (int s = 0; s < S; s++)
                    {
                        var got = r.Sources[s].Channel(0);
                        Assert.Equal(T, got.Length);
                        var reference = new double[T];
                        for (int t = 0; t < T; t++) reference[t] = expected[(b * T + t) * S + s];
                        double snr = SiSnr(got, reference);
                        output.WriteLine($"{fixture} {input} b{b} source {s}: SI-SNR vs float32 {snr:F2} dB");
                        Assert.True(snr >= minSiSnr, $"{fixture} {input} b{b} source {s}: SI-SNR {snr:F2} dB < {minSiSnr} dB");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void FrcrnTinyFixtureInBFloat16StaysCloseToTheFloat32Reference()
    {
        var dir = ModelScopeFolder("frcrn_tiny", "speech_frcrn_ans_cirm_16k", (s, d) => CopyWeights(s, d, ("state_dict.pt", "pytorch_model.bin")));
        try
        {
            var src = TestPaths.Fixture("frcrn_tiny");
            using var enhancer = Enhancer.Load(dir, Whole with { Precision = Precision.BFloat16 });
            foreach (var (input, outputName) in new[] { ("input_b1.npy", "wav_l2_b1.npy"), ("input_b2.npy", "wav_l2_b2.npy") })
            {
                var x = Npy.Read(Path.Combine(src, input));                          // [B, T]
                var expected = Npy.Read(Path.Combine(src, outputName)).ToDoubleArray(); // [B, T]
                int B = (int)x.Shape[0], T = (int)x.Shape[1];
                var samples = x.ToFloatArray();
                for (int b = 0; b < B; b++)
                {
                    var got = enhancer.Enhance(samples.AsSpan(b * T, T), 16000);
                    Assert.Equal(T, got.Length);
                    double snr = SiSnr(got, expected.AsSpan(b * T, T));
                    output.WriteLine($"frcrn_tiny {input} b{b}: SI-SNR vs float32 {snr:F2} dB");
                    Assert.True(snr >= 17.0, $"frcrn_tiny {input} b{b}: SI-SNR {snr:F2} dB < 17 dB");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static float[] Speechy(int n, int rate, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        double phase = 0;
        for (int i = 0; i < n; i++)
        {
            double t = (double)i / rate;
            phase += 2 * Math.PI * (140 + 40 * Math.Sin(2 * Math.PI * 2.5 * t)) / rate;
            double env = 0.5 + 0.5 * Math.Sin(2 * Math.PI * 4 * t);
            x[i] = (float)(0.25 * env * (Math.Sin(phase) + 0.5 * Math.Sin(3 * phase)) + 0.02 * (rng.NextDouble() - 0.5));
        }
        return x;
    }

    [Fact]
    public void MossFormer2PackageInBFloat16GivesTheFloat32ShapeAndNearlyItsOutput()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-bf16-pkg").FullName;
        try
        {
            var src = TestPaths.Fixture("mossformer2_ms_tiny");
            using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(src, "config.json"))))
            {
                var hyper = doc.RootElement.GetProperty("hyper");
                using var model = new MossFormer2Separator(MossFormer2Config.FromJson(hyper));
                model.LoadStateDict(StateDict.Load(Path.Combine(src, "state_dict.pt")));
                ModelPackage.Save(dir, "mossformer2", 8000, JsonNode.Parse(hyper.GetRawText())!.AsObject(), model);
            }
            // 2.3 s at 16 kHz: resampled to 8 kHz and cut into overlapping 1 s windows, then resampled back.
            var x = Speechy(36800, 16000, 1);
            var options = new SeparatorOptions { WindowSeconds = 1, OverlapSeconds = 0.25 };
            using var fp32 = Separator.Load(dir, options);
            using var bf16 = Separator.Load(dir, options with { Precision = Precision.BFloat16 });
            var a = fp32.Separate(x, 16000);
            var b = bf16.Separate(x, 16000);
            Assert.Equal(fp32.SourceNames, bf16.SourceNames);
            Assert.Equal(2, b.Sources.Count);
            for (int s = 0; s < 2; s++)
            {
                Assert.Equal(16000, b.Sources[s].SampleRate);
                Assert.Equal(x.Length, b.Sources[s].Frames);
                Assert.Equal(1, b.Sources[s].Channels);
                var reference = Array.ConvertAll(a.Sources[s].Channel(0).ToArray(), v => (double)v);
                double snr = SiSnr(b.Sources[s].Channel(0), reference);
                output.WriteLine($"mossformer2 package source {s}: SI-SNR bf16 vs fp32 {snr:F2} dB");
                Assert.True(snr >= 30.0, $"source {s}: SI-SNR {snr:F2} dB < 30 dB");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void HourglassPackageRunsItsMaskNetworkInBFloat16()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-bf16-hg").FullName;
        try
        {
            torch.manual_seed(9);
            var config = new HourglassConfig(2, 2, 4, 8, 0, [4, 8, 8, 8]);
            using (var model = new StackedHourglassNet(config))
                ModelPackage.Save(dir, HourglassNetwork.Name, 8000, HourglassNetwork.PackageConfig(config), model);
            var x = Speechy(8000 * 3, 8000, 2);
            using var fp32 = Separator.Load(dir, Whole);
            using var bf16 = Separator.Load(dir, Whole with { Precision = Precision.BFloat16 });
            var a = fp32.Separate(x, 8000);
            var b = bf16.Separate(x, 8000);
            for (int s = 0; s < 2; s++)
            {
                Assert.Equal(x.Length, b.Sources[s].Frames);
                var reference = Array.ConvertAll(a.Sources[s].Channel(0).ToArray(), v => (double)v);
                double snr = SiSnr(b.Sources[s].Channel(0), reference);
                output.WriteLine($"hourglass package source {s}: SI-SNR bf16 vs fp32 {snr:F2} dB");
                Assert.True(snr >= 30.0, $"source {s}: SI-SNR {snr:F2} dB < 30 dB");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void BaselinesRefuseBFloat16ByName()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-bf16-sb").FullName;
        try
        {
            using (var model = new SimpleSeparator(new SimpleSeparatorConfig(64, 16)))
                ModelPackage.Save(dir, "sb_simpleseparator", 8000, new JsonObject { ["fft_size"] = 64, ["hidden_size"] = 16 }, model);
            var e = Assert.Throws<NotSupportedException>(() => Separator.Load(dir, new SeparatorOptions { Precision = Precision.BFloat16 }));
            Assert.Contains("sb_simpleseparator", e.Message);
            Assert.Contains("BFloat16", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void AnUndefinedPrecisionIsRefused()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-bf16-bad").FullName;
        try
        {
            using (var model = new SimpleSeparator(new SimpleSeparatorConfig(64, 16)))
                ModelPackage.Save(dir, "sb_simpleseparator", 8000, new JsonObject { ["fft_size"] = 64, ["hidden_size"] = 16 }, model);
            Assert.Throws<ArgumentOutOfRangeException>(() => Separator.Load(dir, new SeparatorOptions { Precision = (Precision)7 }));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
