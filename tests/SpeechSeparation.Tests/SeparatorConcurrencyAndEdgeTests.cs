using SpeechSeparation.Signal;

namespace SpeechSeparation.Tests;

/// <summary>Issue 17 §6–§7 and the split separator: concurrent use, empty audio, per-stem peak policy on files, the
/// enhancer adapter.</summary>
public class SeparatorConcurrencyAndEdgeTests
{
    [Fact]
    public void OneSeparatorUsedFromEightThreadsGivesTheSequentialStems()
    {
        // The real embedded model (attention, normalisation: anything shared would corrupt results under a race).
        using var sep = Separator.Load();
        var inputs = Enumerable.Range(0, 16).Select(k =>
        {
            var a = RealSpeech.Voice(RealSpeech.EnglishFemale, 1.5, seed: 100 + k);
            var b = RealSpeech.Voice(RealSpeech.ItalianMale, 1.5, seed: 200 + k);
            return a.Zip(b, (x, y) => x + 0.7f * y).ToArray();
        }).ToArray();
        var sequential = inputs.Select(x => sep.Separate(x, 8000).Sources.Select(s => s.Channel(0).ToArray()).ToArray()).ToArray();
        var concurrent = new float[inputs.Length][][];
        using (var start = new Barrier(8))
        {
            var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                for (int k = t; k < inputs.Length; k += 8)
                    concurrent[k] = sep.Separate(inputs[k], 8000).Sources.Select(s => s.Channel(0).ToArray()).ToArray();
            })).ToArray();
            foreach (var th in threads) th.Start();
            foreach (var th in threads) th.Join();
        }
        for (int k = 0; k < inputs.Length; k++)
            for (int s = 0; s < sequential[k].Length; s++)
                Assert.True(sequential[k][s].AsSpan().SequenceEqual(concurrent[k][s]), $"input {k}, stem {s} differs from the sequential call");
    }

    [Fact]
    public void EmptyAudioIsAClearErrorInMemoryAndInFiles()
    {
        using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.5f, 0.5f));
        var e = Assert.Throws<ArgumentException>(() => sep.Separate(ReadOnlySpan<float>.Empty, 8000));
        Assert.Contains("empty", e.Message);
        var dir = Directory.CreateTempSubdirectory("speechsep-empty").FullName;
        try
        {
            var input = Path.Combine(dir, "empty.wav");
            Wav.Write(input, AudioBuffer.FromMono(ReadOnlySpan<float>.Empty, 8000));
            var before = File.ReadAllBytes(input);
            var fe = Assert.Throws<InvalidDataException>(() => sep.SeparateFile(input, Path.Combine(dir, "out")));
            Assert.Contains("empty.wav", fe.Message);
            Assert.Contains("0 frames", fe.Message);
            Assert.False(Directory.Exists(Path.Combine(dir, "out")) && Directory.EnumerateFileSystemEntries(Path.Combine(dir, "out")).Any(), "stems were written for an empty input");
            Assert.Equal(before, File.ReadAllBytes(input));
            using var enhancer = new NetworkEnhancer(new SplitNetwork(8000, 1f));
            Assert.Throws<InvalidDataException>(() => enhancer.EnhanceFile(input, Path.Combine(dir, "enhanced.wav")));
            Assert.Equal([Path.GetFileName(input)], Directory.EnumerateFileSystemEntries(dir).Where(p => !p.EndsWith("out", StringComparison.Ordinal)).Select(Path.GetFileName));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void PeakNormalizeGivesEachStemMinusOneDbfsInFilesAsInMemory()
    {
        var x = Enumerable.Range(0, 20000).Select(i => (float)(0.3 * Math.Sin(i * 0.05))).ToArray();
        var options = new SeparatorOptions { Gain = GainPolicy.PeakNormalize, WindowSeconds = 1, OverlapSeconds = 0.25 };
        using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.2f, 0.6f, 0f), options);
        var memory = sep.Separate(x, 8000);
        var dir = Directory.CreateTempSubdirectory("speechsep-peak").FullName;
        try
        {
            var input = Path.Combine(dir, "mix.wav");
            Wav.Write(input, AudioBuffer.FromMono(x, 8000), WavSampleFormat.Float32);
            var paths = sep.SeparateFile(input, dir, new OutputOptions { Format = WavSampleFormat.Float32 });
            double target = Math.Pow(10, -1.0 / 20);
            for (int s = 0; s < 2; s++)
            {
                var file = Wav.Read(paths[s]).Channel(0).ToArray();
                Assert.Equal(target, Level.Peak(memory.Sources[s].Channel(0)), 5);
                Assert.Equal(target, Level.Peak(file), 5);
            }
            // A silent stem stays silent (no division by its zero peak).
            Assert.All(memory.Sources[2].Channel(0).ToArray(), v => Assert.Equal(0f, v));
            Assert.All(Wav.Read(paths[2]).Channel(0).ToArray(), v => Assert.Equal(0f, v));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(ChannelMode.Downmix)]
    [InlineData(ChannelMode.PerChannel)]
    public void StereoFilesGiveTheInMemoryStems(ChannelMode mode)
    {
        // Two different channels, 3 s: the streamed file path must see every frame of both, as the in-memory path does.
        int n = 24000;
        var left = Enumerable.Range(0, n).Select(i => (float)(0.3 * Math.Sin(i * 0.031))).ToArray();
        var right = Enumerable.Range(0, n).Select(i => (float)(0.2 * Math.Sin(i * 0.077) * (i < n / 2 ? 1 : -1))).ToArray();
        var stereo = new AudioBuffer(left.Concat(right).ToArray(), 2, 8000);
        var options = new SeparatorOptions { Channels = mode, Gain = GainPolicy.None, WindowSeconds = 1, OverlapSeconds = 0.25 };
        using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.25f, 0.75f), options);
        var memory = sep.Separate(stereo);
        var dir = Directory.CreateTempSubdirectory("speechsep-stereo").FullName;
        try
        {
            var input = Path.Combine(dir, "st.wav");
            Wav.Write(input, stereo, WavSampleFormat.Float32);
            var paths = sep.SeparateFile(input, Path.Combine(dir, "out"), new OutputOptions { Format = WavSampleFormat.Float32 });
            for (int s = 0; s < 2; s++)
            {
                var file = Wav.Read(paths[s]);
                Assert.Equal((memory.Sources[s].Channels, n), (file.Channels, file.Frames));
                for (int c = 0; c < file.Channels; c++)
                {
                    var a = memory.Sources[s].Channel(c).ToArray();
                    var b = file.Channel(c).ToArray();
                    double max = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
                    Assert.True(max < 1e-5, $"{mode}, stem {s}, channel {c}: max |file − memory| = {max:G3}");
                }
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EnhancerAdapterNeedsOneOutputAndReturnsIt()
    {
        Assert.Throws<ArgumentException>(() => new NetworkEnhancer(new SplitNetwork(8000, 0.5f, 0.5f)));
        using var enhancer = new NetworkEnhancer(new SplitNetwork(8000, 0.5f), new SeparatorOptions { Gain = GainPolicy.None });
        var x = Enumerable.Range(0, 9000).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        var y = enhancer.Enhance(x, 8000);
        Assert.Equal(x.Length, y.Length);
        for (int i = 0; i < x.Length; i += 101) Assert.Equal(0.5f * x[i], y[i], 5);
    }
}
