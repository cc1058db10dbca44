using SpeechSeparation.Evaluation;
using SpeechSeparation.LongAudio;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Tests;

/// <summary>Memory measurements see the whole process, so these tests run alone.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

[Collection(nameof(MemoryMeasurement))]
public class LongAudioTests
{
    [Fact]
    public void SixtySecondsOfRealSpeechStitchIntoConsistentSpeakers()
    {
        var a = RealSpeech.Voice(RealSpeech.EnglishFemale, 60, seed: 1);
        var b = RealSpeech.Voice(RealSpeech.ItalianMale, 60, seed: 2);
        var mix = a.Zip(b, (x, y) => x + y).ToArray();
        var options = new SeparatorOptions { WindowSeconds = 4, OverlapSeconds = 1 };
        var oracle = new OracleNetwork([a, b], hop: 3 * 8000, seed: 7);
        using var sep = new NetworkSeparator(oracle, options);
        var result = sep.Separate(AudioBuffer.FromMono(mix, 8000));
        Assert.True(oracle.Calls > 15, $"only {oracle.Calls} windows");
        var s1 = result.Sources[0].Channel(0).ToArray();
        var s2 = result.Sources[1].Channel(0).ToArray();
        Assert.Equal(mix.Length, s1.Length);
        // One consistent order for the whole file: either (a, b) or (b, a), never a mixture of both.
        bool swapped = ScaleInvariantSnr.Compute(a, s2) > ScaleInvariantSnr.Compute(a, s1);
        var (ea, eb) = swapped ? (s2, s1) : (s1, s2);
        Assert.True(ScaleInvariantSnr.Compute(a, ea) > 30, $"speaker A: {ScaleInvariantSnr.Compute(a, ea):F1} dB");
        Assert.True(ScaleInvariantSnr.Compute(b, eb) > 30, $"speaker B: {ScaleInvariantSnr.Compute(b, eb):F1} dB");
    }

    [Fact]
    public void ThreeSpeakersStitchIntoOneConsistentOrder()
    {
        // 45 s of three real voices; the oracle returns them in a new random order in every window, so only the
        // stitcher's permutation search over 3! orders can put each speaker into one stem for the whole file.
        float[][] voices =
        [
            RealSpeech.Voice(RealSpeech.EnglishFemale, 45, seed: 4),
            RealSpeech.Voice(RealSpeech.ItalianMale, 45, seed: 5),
            RealSpeech.Voice(RealSpeech.RussianFemale, 45, seed: 6),
        ];
        var mix = new float[voices[0].Length];
        foreach (var v in voices) for (int i = 0; i < mix.Length; i++) mix[i] += v[i];
        var oracle = new OracleNetwork(voices, hop: 3 * 8000, seed: 11);
        using var sep = new NetworkSeparator(oracle, new SeparatorOptions { WindowSeconds = 4, OverlapSeconds = 1 });
        var result = sep.Separate(AudioBuffer.FromMono(mix, 8000));
        Assert.Equal(3, result.Sources.Count);
        Assert.True(oracle.Calls > 10, $"only {oracle.Calls} windows");
        var stems = result.Sources.Select(s => s.Channel(0).ToArray()).ToArray();
        Assert.All(stems, s => Assert.Equal(mix.Length, s.Length));
        // Each voice has one stem where it is reconstructed almost exactly, and that stem is a different one per voice.
        var best = voices.Select(v => Enumerable.Range(0, 3).MaxBy(k => ScaleInvariantSnr.Compute(v, stems[k]))).ToArray();
        Assert.Equal(3, best.Distinct().Count());
        for (int k = 0; k < 3; k++)
        {
            double snr = ScaleInvariantSnr.Compute(voices[k], stems[best[k]]);
            Assert.True(snr > 30, $"voice {k}: {snr:F1} dB in stem {best[k]}");
        }
    }

    [Theory]
    [InlineData(8000, 4.0, 1.0, 1)]
    [InlineData(8000, 4.0, 0.5, 3)]
    [InlineData(3, 1.0, 0.0, 2)]       // shorter than a window
    [InlineData(8001, 1.0, 0.25, 4)]   // one sample past a window boundary
    public void StitcherReturnsExactlyTheInputLengthAndTheOracleSignal(int length, double windowSeconds, double overlapSeconds, int batch)
    {
        var rng = new Random(length);
        var a = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        int window = (int)(windowSeconds * 1000), overlap = (int)(overlapSeconds * 1000);
        var oracle = new OracleNetwork([a, b], window - overlap, seed: 3, sampleRate: 1000);
        var stitcher = new OverlapAddStitcher(2, window, overlap, windows =>
        {
            using var x = torch.zeros(windows.Count, windows[0].Length);
            using var y = oracle.Separate(x);
            var v = y.ToFloatArray();
            int t = windows[0].Length;
            return Enumerable.Range(0, windows.Count).Select(w => new[] { v.AsSpan(w * 2 * t, t).ToArray(), v.AsSpan((w * 2 + 1) * t, t).ToArray() }).ToList();
        }, batch);
        var outs = stitcher.Process(a.Zip(b, (x, y) => x + y).ToArray());
        Assert.Equal(length, outs[0].Length);
        bool swapped = Math.Abs(outs[0][0] - b[0]) < Math.Abs(outs[0][0] - a[0]) && length > 1 && Math.Abs(a[0] - b[0]) > 1e-3;
        var (ea, eb) = swapped ? (outs[1], outs[0]) : (outs[0], outs[1]);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(a[i], ea[i], 4);
            Assert.Equal(b[i], eb[i], 4);
        }
    }

    [Fact]
    public void ResampledInputComesBackAtItsRateAndLength()
    {
        int rate = 44100, n = (int)(rate * 2.5) + 17;
        var x = Enumerable.Range(0, n).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / rate) + 0.2 * Math.Sin(2 * Math.PI * 1000 * i / rate))).ToArray();
        using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.25f, 0.75f), new SeparatorOptions { WindowSeconds = 1, OverlapSeconds = 0.25 });
        var r = sep.Separate(AudioBuffer.FromMono(x, rate));
        Assert.All(r.Sources, s => { Assert.Equal(rate, s.SampleRate); Assert.Equal(n, s.Frames); });
        var sum = r.Sources[0].Channel(0).ToArray().Zip(r.Sources[1].Channel(0).ToArray(), (p, q) => p + q).ToArray();
        // Tones below 4 kHz survive 44.1k → 8k → 44.1k; ignore the filter's edge transients.
        int edge = rate / 20;
        Assert.True(SignalToNoiseRatio.Compute(x.AsSpan(edge, n - 2 * edge), sum.AsSpan(edge, n - 2 * edge)) > 30);
        // Gain policy MatchMixture keeps the network's 1:3 split and the mixture's scale.
        Assert.Equal(3.0, Level.Rms(r.Sources[1].Channel(0)) / Level.Rms(r.Sources[0].Channel(0)), 2);
    }

    private sealed class LiveMemoryProbe : IProgress<double>
    {
        public long Max { get; private set; }
        public void Report(double value) => Max = Math.Max(Max, GC.GetTotalMemory(forceFullCollection: true));
    }

    private static long PeakLiveBytesSeparatingFile(double seconds, string dir)
    {
        var path = Path.Combine(dir, $"in_{seconds}.wav");
        var rng = new Random(1);
        int n = (int)(seconds * 16000);
        using (var w = new WavWriter(path, new WavFormat(WavSampleFormat.Pcm16, 1, 16000)))
        {
            var block = new float[16000];
            for (int done = 0; done < n; done += block.Length)
            {
                for (int i = 0; i < block.Length; i++) block[i] = (float)(0.2 * Math.Sin((done + i) * 0.05) + 0.05 * (rng.NextDouble() - 0.5));
                w.Write(block.AsSpan(0, Math.Min(block.Length, n - done)));
            }
            w.Complete();
        }
        using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.5f, 0.5f), new SeparatorOptions { WindowSeconds = 2, OverlapSeconds = 0.5 });
        long before = GC.GetTotalMemory(true);
        var probe = new LiveMemoryProbe();
        var outs = sep.SeparateFile(path, Path.Combine(dir, $"out_{seconds}"), progress: probe);
        Assert.All(outs, o => Assert.Equal(n, Wav.Read(o).Frames));
        return probe.Max - before;
    }

    /// <summary>
    /// Issue 17 §1: file separation at rates far from the model's lost the ending (stems silent from 40 s of 60 at
    /// 96 kHz). Every second of every stem must carry its share of the signal, at the input's rate and length.
    /// </summary>
    [Theory]
    [InlineData(96000, 30.0, 8000)]
    [InlineData(192000, 20.0, 8000)]
    [InlineData(384000, 12.0, 8000)]
    [InlineData(11025, 30.0, 8000)]
    [InlineData(22050, 30.0, 8000)]
    [InlineData(8000, 30.0, 48000)]     // a 48 kHz model on an 8 kHz file
    public void StreamedFilesAtAnyRateKeepSignalToTheEnd(int rate, double seconds, int modelRate)
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-rates").FullName;
        try
        {
            var path = Path.Combine(dir, "in.wav");
            int n = (int)(seconds * rate) + 7;
            using (var w = new WavWriter(path, new WavFormat(WavSampleFormat.Pcm16, 1, rate)))
            {
                var block = new float[rate];
                for (int done = 0; done < n; done += block.Length)
                {
                    for (int i = 0; i < block.Length; i++) block[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 440 * (done + i) / rate) + 0.2 * Math.Sin(2 * Math.PI * 1000 * (done + i) / rate));
                    w.Write(block.AsSpan(0, Math.Min(block.Length, n - done)));
                }
                w.Complete();
            }
            using var sep = new NetworkSeparator(new SplitNetwork(modelRate, 0.25f, 0.75f), new SeparatorOptions { WindowSeconds = 4, OverlapSeconds = 1 });
            var outs = sep.SeparateFile(path, Path.Combine(dir, "out"));
            double expectedRms = Math.Sqrt((0.3 * 0.3 + 0.2 * 0.2) / 2);
            for (int s = 0; s < outs.Count; s++)
            {
                var stem = Wav.Read(outs[s]);
                Assert.Equal(rate, stem.SampleRate);
                Assert.Equal(n, stem.Frames);
                double share = s == 0 ? 0.25 : 0.75;
                for (int second = 0; second + 1 <= seconds; second++)
                {
                    double rms = Level.Rms(stem.Channel(0).Slice(second * rate, rate));
                    Assert.True(Math.Abs(rms / (share * expectedRms) - 1) < 0.1, $"{rate} Hz, stem {s}, second {second}: RMS {rms:F4}, expected {share * expectedRms:F4}");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void FileSeparationHoldsFlatMemoryWhenTheInputGrowsTenfold()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-mem").FullName;
        try
        {
            long small = PeakLiveBytesSeparatingFile(6, dir);
            long large = PeakLiveBytesSeparatingFile(60, dir);
            // Holding the 60 s input and two stems in memory would take ≥ 3 × 60 s × 16 kHz × 4 B = 11.5 MB more.
            Assert.True(large < small + (2 << 20), $"peak live managed memory: 6 s → {small >> 10} KiB, 60 s → {large >> 10} KiB");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

public class FixedOrderTests
{
    /// <summary>Outputs that mean something fixed (stems) are never swapped, even when the overlap suggests it.</summary>
    [Fact]
    public void FixedOrderOutputsAreNotReordered()
    {
        var rng = new Random(5);
        var a = Enumerable.Range(0, 9000).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, 9000).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        int call = 0;
        // Every other window returns its outputs swapped: alignment would undo that, a fixed order must keep it.
        IReadOnlyList<float[][]> Separate(IReadOnlyList<float[]> windows) => windows.Select(w =>
        {
            int start = call++ * 750;
            float[] Slice(float[] x) { var r = new float[w.Length]; Array.Copy(x, start, r, 0, Math.Max(0, Math.Min(w.Length, x.Length - start))); return r; }
            return call % 2 == 0 ? new[] { Slice(b), Slice(a) } : new[] { Slice(a), Slice(b) };
        }).ToList();
        var mix = a.Zip(b, (x, y) => x + y).ToArray();
        var aligned = new OverlapAddStitcher(2, 1000, 250, Separate).Process(mix);
        call = 0;
        var fixedOrder = new OverlapAddStitcher(2, 1000, 250, Separate, alignOrder: false).Process(mix);
        Assert.True(ScaleInvariantSnr.Compute(a, aligned[0]) > 30);
        Assert.True(ScaleInvariantSnr.Compute(a, fixedOrder[0]) < 10);     // the swaps stay where the network put them
    }
}
