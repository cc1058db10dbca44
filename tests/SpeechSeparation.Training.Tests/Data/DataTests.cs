using SpeechSeparation.Signal;
using SpeechSeparation.Tests;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training.Tests.Data;

public class DataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("speechsep-data").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private void WriteTone(string path, int n, double f, int rate = 8000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Wav.Write(path, AudioBuffer.FromMono(Enumerable.Range(0, n).Select(i => (float)(0.1 * Math.Sin(2 * Math.PI * f * i / rate))).ToArray(), rate), WavSampleFormat.Float32);
    }

    [Fact]
    public void LibriMixLayoutGivesAlignedSegmentsOfMixtureAndSources()
    {
        foreach (var d in new[] { "s1", "s2", "mix_clean" }) Directory.CreateDirectory(Path.Combine(_dir, d));
        for (int k = 0; k < 3; k++)
        {
            var s1 = Enumerable.Range(0, 4000).Select(i => (float)Math.Sin(i * 0.01 * (k + 1))).ToArray();
            var s2 = Enumerable.Range(0, 4000).Select(i => (float)Math.Cos(i * 0.03)).ToArray();
            Wav.Write(Path.Combine(_dir, "s1", $"u{k}.wav"), AudioBuffer.FromMono(s1, 8000), WavSampleFormat.Float32);
            Wav.Write(Path.Combine(_dir, "s2", $"u{k}.wav"), AudioBuffer.FromMono(s2, 8000), WavSampleFormat.Float32);
            Wav.Write(Path.Combine(_dir, "mix_clean", $"u{k}.wav"), AudioBuffer.FromMono(s1.Zip(s2, (a, b) => a + b).ToArray(), 8000), WavSampleFormat.Float32);
        }
        var ds = new MixtureFolderDataset(_dir, 8000, segmentLength: 1000);
        Assert.Equal(3, ds.Count);
        Assert.Equal(2, ds.NumSources);
        var e = ds.Get(1, new Random(4));
        Assert.Equal(1000, e.Mixture.Length);
        for (int i = 0; i < 1000; i++) Assert.Equal(e.Mixture[i], e.Sources[0][i] + e.Sources[1][i], 5);
        Assert.Equal(e.Mixture, ds.Get(1, new Random(4)).Mixture);                     // deterministic for a seed
        var wrongRate = Assert.Throws<InvalidDataException>(() => new MixtureFolderDataset(_dir, 16000, 100).Get(0, new Random(1)));
        Assert.Contains("8000 Hz", wrongRate.Message);

        File.Delete(Path.Combine(_dir, "s2", "u2.wav"));
        var err = Assert.Throws<FileNotFoundException>(() => new MixtureFolderDataset(_dir, 8000));
        Assert.Contains("u2.wav", err.Message);
    }

    [Fact]
    public void DynamicMixingOfRealVoicesSumsDistinctSpeakers()
    {
        var ds = new DynamicMixingDataset([RealSpeech.EnglishFemale, RealSpeech.ItalianMale], 8000, 16000, numSources: 2, examplesPerEpoch: 10);
        var e = ds.Get(0, new Random(1));
        Assert.Equal(2, e.Sources.Length);
        for (int i = 0; i < e.Mixture.Length; i += 101) Assert.Equal(e.Mixture[i], e.Sources[0][i] + e.Sources[1][i], 5);
        Assert.Contains("en_US_f_Allison", e.Id);
        Assert.Contains("it_IT_m_Carlo", e.Id);
        Assert.True(e.Sources.All(s => s.Any(v => v != 0)));
        Assert.Throws<ArgumentException>(() => new DynamicMixingDataset([RealSpeech.EnglishFemale], 8000, 100));
    }

    [Theory]
    [InlineData(0.85)]
    [InlineData(1.15)]
    public void SpeedPerturbationScalesFrequencyByTheFactor(double factor)
    {
        // A 200 Hz tone played `factor` times faster is a (200·factor) Hz tone: compare with the formula.
        var x = Enumerable.Range(0, 4000).Select(i => (float)Math.Sin(2 * Math.PI * 200 * i / 8000.0)).ToArray();
        var y = DynamicMixingDataset.ChangeSpeed(x, factor, 3000);
        for (int i = 0; i < y.Length; i++)
            Assert.Equal(Math.Sin(2 * Math.PI * 200 * factor * i / 8000.0), y[i], 0.01);    // linear-interpolation error < 1%

        var ds = new DynamicMixingDataset([RealSpeech.EnglishFemale, RealSpeech.ItalianMale], 8000, 16000, examplesPerEpoch: 4, speedPerturb: (0.9, 1.1));
        var e = ds.Get(0, new Random(3));
        for (int i = 0; i < e.Mixture.Length; i += 97) Assert.Equal(e.Mixture[i], e.Sources[0][i] + e.Sources[1][i], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicMixingDataset([RealSpeech.EnglishFemale, RealSpeech.ItalianMale], 8000, 100, speedPerturb: (0, 1)));
    }

    [Fact]
    public void NoisyCleanMixingHitsTheRequestedSnr()
    {
        WriteTone(Path.Combine(_dir, "clean", "a.wav"), 8000, 300);
        WriteTone(Path.Combine(_dir, "noise", "n.wav"), 8000, 1234);
        var ds = NoisyCleanDataset.FromCleanAndNoise(Path.Combine(_dir, "clean"), Path.Combine(_dir, "noise"), 8000, 4000, (5, 5));
        var e = ds.Get(0, new Random(2));
        var noise = e.Mixture.Zip(e.Sources[0], (m, c) => m - c).ToArray();
        double snr = 10 * Math.Log10(e.Sources[0].Sum(v => (double)v * v) / noise.Sum(v => (double)v * v));
        Assert.Equal(5, snr, 1);
    }

    private sealed class CountingSource(int count) : IExampleSource
    {
        public int Count => count;
        public int SampleRate => 8000;
        public int NumSources => 2;
        public SeparationExample Get(int index, Random rng)
        {
            float v = rng.Next(1000);
            return new SeparationExample([index, v], [[index, 0], [0, v]], 8000, index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void LoaderIsReproducibleWhateverTheWorkerCount()
    {
        var src = new CountingSource(37);
        List<float[]> Run(int workers)
        {
            var loader = new DataLoader(src, 4, seed: 11, workers: workers, prefetch: 2);
            var r = new List<float[]>();
            foreach (var b in loader.Epoch(3)) using (b) r.Add(b.Mixtures.ToFloatArray());
            return r;
        }
        var one = Run(1);
        var three = Run(3);
        Assert.Equal(37 / 4, one.Count);
        Assert.Equal(one, three);
        var seen = one.SelectMany(b => b.Where((_, i) => i % 2 == 0)).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());                                // no example twice
        var other = new DataLoader(src, 4, seed: 11).Order(4);
        Assert.NotEqual(new DataLoader(src, 4, seed: 11).Order(3), other);              // epochs differ
    }
}
