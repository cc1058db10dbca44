using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Tests;

/// <summary>Published ModelScope folder layouts load through Separator.Load and give the upstream output.</summary>
public class ModelScopeFolderTests
{
    private static void CheckFolder(string fixture, string type, Action<string, string> placeWeights)
    {
        var src = TestPaths.Fixture(fixture);
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!;
        var dir = Directory.CreateTempSubdirectory("speechsep-ms").FullName;
        try
        {
            var model = cfg["hyper"]!.DeepClone().AsObject();
            model["type"] = type;
            File.WriteAllText(Path.Combine(dir, "configuration.json"), new JsonObject { ["framework"] = "pytorch", ["task"] = "speech-separation", ["model"] = model }.ToJsonString());
            placeWeights(src, dir);
            var input = Npy.Read(Path.Combine(src, "input.npy")).ToFloatArray();              // [1, T]
            var expected = Npy.Read(Path.Combine(src, "output.npy")).ToDoubleArray();         // [1, T, S]
            using var sep = Separator.Load(dir, new SeparatorOptions { Gain = GainPolicy.None, WindowSeconds = 60, OverlapSeconds = 0 });
            Assert.Equal(8000, sep.SampleRate);
            var r = sep.Separate(input, 8000);
            int S = sep.NumSources, T = input.Length;
            double maxAbs = 0;
            for (int s = 0; s < S; s++)
            {
                var got = r.Sources[s].Channel(0);
                for (int t = 0; t < T; t++) maxAbs = Math.Max(maxAbs, Math.Abs(got[t] - expected[t * S + s]));
            }
            double bound = cfg["tolerance"]!["max_abs"]!.GetValue<double>();
            Assert.True(maxAbs <= bound, $"max |Δ| {maxAbs:G3} > {bound:G3}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MossFormerThreeFileFolder() =>
        CheckFolder("mossformer_ms_tiny", "speech_mossformer_separation_temporal_8k", (src, dir) =>
        {
            foreach (var f in new[] { "encoder.bin", "decoder.bin", "masknet.bin" }) File.Copy(Path.Combine(src, f), Path.Combine(dir, f));
        });

    [Fact]
    public void MossFormer2Folder() =>
        CheckFolder("mossformer2_ms_tiny", "speech_mossformer2_separation_temporal_8k", (src, dir) =>
            File.Copy(Path.Combine(src, "state_dict.pt"), Path.Combine(dir, "pytorch_model.bin")));

    [Fact]
    public void UnknownModelTypeIsRefusedByName()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-ms").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "configuration.json"), """{"model": {"type": "speech_zipenhancer_ans_multiloss_16k_base"}}""");
            File.WriteAllBytes(Path.Combine(dir, "pytorch_model.bin"), []);
            var e = Assert.Throws<NotSupportedException>(() => Separator.Load(dir));
            Assert.Contains("speech_zipenhancer_ans_multiloss_16k_base", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

public class FrcrnFolderTests
{
    [Fact]
    public void FrcrnFolderLoadsAsAnEnhancerAndGivesTheUpstreamWaveform()
    {
        var src = TestPaths.Fixture("frcrn_tiny");
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!;
        var dir = Directory.CreateTempSubdirectory("speechsep-frcrn").FullName;
        try
        {
            var model = cfg["hyper"]!.DeepClone().AsObject();
            model["type"] = "speech_frcrn_ans_cirm_16k";
            File.WriteAllText(Path.Combine(dir, "configuration.json"), new JsonObject { ["task"] = "acoustic-noise-suppression", ["model"] = model }.ToJsonString());
            File.Copy(Path.Combine(src, "state_dict.pt"), Path.Combine(dir, "pytorch_model.bin"));
            using var enhancer = Enhancer.Load(dir, new SeparatorOptions { Gain = GainPolicy.None, WindowSeconds = 60, OverlapSeconds = 0 });
            Assert.Equal(16000, enhancer.SampleRate);
            var input = Npy.Read(Path.Combine(src, "input_b1.npy")).ToFloatArray();
            var expected = Npy.Read(Path.Combine(src, "wav_l2_b1.npy")).ToDoubleArray();
            var got = enhancer.Enhance(input, 16000);
            Assert.Equal(expected.Length, got.Length);
            double num = 0, den = 0;
            for (int i = 0; i < got.Length; i++) { num += (got[i] - expected[i]) * (got[i] - expected[i]); den += expected[i] * expected[i]; }
            Assert.True(Math.Sqrt(num / den) <= 1e-5, $"rel_l2 {Math.Sqrt(num / den):G3}");
            using var asSeparator = Separator.Load(dir);                      // a one-output network also works as a separator
            Assert.Equal(["enhanced"], asSeparator.SourceNames);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
