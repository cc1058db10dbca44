using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Serialization;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Tests;

public class SeparatorApiTests
{
    private static float[] Tone(int n, double f, int rate) => Enumerable.Range(0, n).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * f * i / rate))).ToArray();

    [Fact]
    public void PackageRoundTripGivesTheModelsOwnOutput()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-pkg").FullName;
        try
        {
            torch.manual_seed(5);
            var config = new SimpleSeparatorConfig(64, 16);
            using var model = new SimpleSeparator(config);
            model.eval();
            ModelPackage.Save(dir, "sb_simpleseparator", 8000, new JsonObject { ["fft_size"] = 64, ["hidden_size"] = 16, ["num_sources"] = 2 }, model);
            var x = Tone(4000, 300, 8000);
            float[] expected;
            using (var scope = torch.NewDisposeScope())
            using (torch.no_grad())
            {
                using var y = model.forward(torch.tensor(x, [1, x.Length]));
                expected = y.Sources.select(0, 0).select(0, 0).ToFloatArray();
            }
            using var sep = Separator.Load(dir, new SeparatorOptions { Gain = GainPolicy.None, WindowSeconds = 10 });
            Assert.Equal(8000, sep.SampleRate);
            Assert.Equal(["speaker1", "speaker2"], sep.SourceNames);
            var got = sep.Separate(x, 8000).Sources[0].Channel(0).ToArray();
            Assert.Equal(x.Length, got.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 4);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void CheckpointThatDoesNotFitListsTheKeys()
    {
        var path = Path.Combine(Path.GetTempPath(), $"speechsep-{Guid.NewGuid():N}.pt");
        try
        {
            using (var model = new SimpleSeparator(new SimpleSeparatorConfig(64, 16)))
            {
                var sd = model.StateDictToHost();
                sd.Remove("output_layer.bias");
                TorchCheckpoint.Save(path, sd);
            }
            var e = Assert.Throws<StateDictMismatchException>(() => Separator.Load(path, new SeparatorOptions
            {
                Architecture = "sb_simpleseparator",
                ConfigJson = """{"fft_size": 64, "hidden_size": 32}""",
            }));
            Assert.Contains("output_layer.bias", e.Message);              // missing
            Assert.Contains("masking.weight_hh_l0", e.Message);           // mis-shaped: hidden 16 vs 32
            Assert.Throws<ArgumentException>(() => Separator.Load(path));  // a bare checkpoint needs its architecture
            Assert.Throws<NotSupportedException>(() => Separator.Load(path, new SeparatorOptions { Architecture = "no-such-net" }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadInputRaisesClearExceptions()
    {
        using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.5f, 0.5f));
        var x = Tone(100, 100, 8000);
        x[37] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => sep.Separate(x, 8000));
        Assert.Contains("37", e.Message);
        Assert.Throws<ArgumentException>(() => sep.Separate(ReadOnlySpan<float>.Empty, 8000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkSeparator(new SplitNetwork(8000, 1), new SeparatorOptions { WindowSeconds = 2, OverlapSeconds = 1.5 }));
    }

    [Fact]
    public void FilesAreNeitherModifiedNorOverwritten()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-files").FullName;
        try
        {
            var input = Path.Combine(dir, "mix.wav");
            Wav.Write(input, AudioBuffer.FromMono(Tone(8000, 200, 8000), 8000));
            var hash = SHA256.HashData(File.ReadAllBytes(input));
            using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.5f, 0.5f));
            var outs = sep.SeparateFile(input, dir);
            Assert.Equal([Path.Combine(dir, "mix_speaker1.wav"), Path.Combine(dir, "mix_speaker2.wav")], outs);
            Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(input)));
            Assert.Throws<IOException>(() => sep.SeparateFile(input, dir));
            sep.SeparateFile(input, dir, new OutputOptions { Overwrite = true, Format = WavSampleFormat.Float32 });
            Assert.Equal(WavSampleFormat.Float32, Wav.ReadInfo(outs[0]).Format.SampleFormat);
            var corrupt = Path.Combine(dir, "corrupt.wav");
            File.WriteAllBytes(corrupt, File.ReadAllBytes(input)[..30]);
            Assert.Throws<InvalidDataException>(() => sep.SeparateFile(corrupt, Path.Combine(dir, "c")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void StereoInputIsDownmixedOrSeparatedPerChannel()
    {
        int n = 4000;
        var left = Tone(n, 200, 8000);
        var right = Tone(n, 500, 8000);
        var planar = left.Concat(right).ToArray();
        var stereo = new AudioBuffer(planar, 2, 8000);
        using (var sep = new NetworkSeparator(new SplitNetwork(8000, 0.5f, 0.5f)))
            Assert.Equal(1, sep.Separate(stereo).Sources[0].Channels);
        using (var sep = new NetworkSeparator(new SplitNetwork(8000, 0.5f, 0.5f), new SeparatorOptions { Channels = ChannelMode.PerChannel }))
        {
            var r = sep.Separate(stereo).Sources[0];
            Assert.Equal(2, r.Channels);
            for (int i = 0; i < n; i += 97)
            {
                Assert.Equal(left[i] * 0.5f, r.Channel(0)[i], 4);
                Assert.Equal(right[i] * 0.5f, r.Channel(1)[i], 4);
            }
        }
    }

    [Fact]
    public void ConcurrentCallsGiveTheSameResultsAsSequentialOnes()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-conc").FullName;
        try
        {
            torch.manual_seed(9);
            using (var model = new SimpleSeparator(new SimpleSeparatorConfig(64, 16)))
                ModelPackage.Save(dir, "sb_simpleseparator", 8000, new JsonObject { ["fft_size"] = 64, ["hidden_size"] = 16 }, model);
            using var sep = Separator.Load(dir, new SeparatorOptions { WindowSeconds = 0.5, OverlapSeconds = 0.1 });
            var inputs = Enumerable.Range(0, 6).Select(k => Tone(6000, 150 + 50 * k, 8000)).ToArray();
            var sequential = inputs.Select(x => sep.Separate(x, 8000).Sources[1].Channel(0).ToArray()).ToArray();
            var parallel = inputs.AsParallel().AsOrdered().WithDegreeOfParallelism(4).Select(x => sep.Separate(x, 8000).Sources[1].Channel(0).ToArray()).ToArray();
            for (int k = 0; k < inputs.Length; k++) Assert.Equal(sequential[k], parallel[k]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

public class EnhancerLoadTests
{
    [Fact]
    public void AMultiSpeakerSeparatorIsNotAnEnhancer()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-enh").FullName;
        try
        {
            using (var m = new SimpleSeparator(new SimpleSeparatorConfig(64, 8)))
                ModelPackage.Save(dir, "sb_simpleseparator", 8000, new JsonObject { ["fft_size"] = 64, ["hidden_size"] = 8 }, m);
            var e = Assert.Throws<InvalidOperationException>(() => Enhancer.Load(dir));
            Assert.Contains("2-source", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
