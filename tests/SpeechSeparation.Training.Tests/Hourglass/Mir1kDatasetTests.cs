using SpeechSeparation.Signal;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training.Tests.Hourglass;

/// <summary><see cref="Mir1kDataset"/> on synthetic MIR-1K-style stereo WAVs (left = accompaniment, right = vocals).</summary>
public sealed class Mir1kDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ss-mir1k-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes a 16 kHz stereo clip: left a 300 Hz tone (accompaniment), right a 700 Hz tone (vocals).</summary>
    private string WriteClip(string name, int frames, int rate = 16000, int channels = 2)
    {
        var planar = new float[channels * frames];
        for (int i = 0; i < frames; i++)
        {
            planar[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 300 * i / rate));
            if (channels == 2) planar[frames + i] = (float)(0.2 * Math.Sin(2 * Math.PI * 700 * i / rate));
        }
        var path = Path.Combine(_dir, name);
        Wav.Write(path, new AudioBuffer(planar, channels, rate), WavSampleFormat.Float32);
        return path;
    }

    private static double Rms(float[] x, int from, int to) => Math.Sqrt(x[from..to].Sum(v => (double)v * v) / (to - from));

    [Fact]
    public void WholeClipsAreResampledSplitIntoAccompanimentAndVocalsAndSumToTheMixture()
    {
        WriteClip("abjones_1_01.wav", 16000);
        WriteClip("amy_1_01.wav", 8000);
        var ds = new Mir1kDataset(_dir, sampleRate: 8000);
        Assert.Equal(2, ds.Count);
        Assert.Equal(2, ds.NumSources);
        Assert.Equal(8000, ds.SampleRate);
        Assert.Equal(["accompaniment", "vocals"], Mir1kDataset.SourceNames);

        var ex = ds.Get(0, new Random(0));                       // abjones (sorted): 1 s
        Assert.EndsWith("abjones_1_01.wav", ex.Id);
        Assert.Equal(8000, ex.Mixture.Length);
        Assert.Equal(2, ex.Sources.Length);
        Assert.All(ex.Sources, s => Assert.Equal(ex.Mixture.Length, s.Length));
        for (int i = 0; i < ex.Mixture.Length; i++) Assert.Equal(ex.Sources[0][i] + ex.Sources[1][i], ex.Mixture[i], 5);
        // accompaniment = left (0.3 amplitude), vocals = right (0.2), away from the resampler's edges
        Assert.InRange(Rms(ex.Sources[0], 1000, 7000), 0.3 / Math.Sqrt(2) * 0.97, 0.3 / Math.Sqrt(2) * 1.03);
        Assert.InRange(Rms(ex.Sources[1], 1000, 7000), 0.2 / Math.Sqrt(2) * 0.97, 0.2 / Math.Sqrt(2) * 1.03);
        Assert.Equal(4000, ds.Get(1, new Random(0)).Mixture.Length);
    }

    [Fact]
    public void SegmentsAreFixedLengthSameSpanAndDeterministicPerRandomState()
    {
        WriteClip("a.wav", 16000);
        WriteClip("short.wav", 1000);
        var ds = new Mir1kDataset(_dir, sampleRate: 8000, segmentLength: 2048);
        var a = ds.Get(0, new Random(5));
        var b = ds.Get(0, new Random(5));
        Assert.Equal(2048, a.Mixture.Length);
        Assert.All(a.Sources, s => Assert.Equal(2048, s.Length));
        Assert.Equal(a.Mixture, b.Mixture);
        Assert.Equal(a.Id, b.Id);
        for (int i = 0; i < 2048; i++) Assert.Equal(a.Sources[0][i] + a.Sources[1][i], a.Mixture[i], 5);
        var full = new Mir1kDataset(_dir, sampleRate: 8000).Get(0, new Random(0));
        int start = int.Parse(a.Id[(a.Id.LastIndexOf('@') + 1)..]);
        Assert.Equal(full.Sources[1].AsSpan(start, 2048).ToArray(), a.Sources[1]);

        var s = ds.Get(1, new Random(1));                         // 500 samples at 8 kHz: zero-padded
        Assert.Equal(2048, s.Mixture.Length);
        Assert.All(s.Mixture[600..], v => Assert.Equal(0f, v));

        var loader = ds.Get(1, new Random(2));
        Assert.Equal(2, loader.Sources.Length);
    }

    [Fact]
    public void MonoFilesAndMissingFoldersAreClearErrors()
    {
        var missing = Path.Combine(_dir, "nope");
        var e1 = Assert.Throws<DirectoryNotFoundException>(() => new Mir1kDataset(missing));
        Assert.Contains("nope", e1.Message);
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        Assert.Throws<InvalidDataException>(() => new Mir1kDataset(empty));

        WriteClip("mono.wav", 1600, channels: 1);
        var ds = new Mir1kDataset(_dir);
        var e2 = Assert.Throws<InvalidDataException>(() => ds.Get(0, new Random(0)));
        Assert.Contains("mono.wav", e2.Message);
        Assert.Contains("stereo", e2.Message);
    }
}
