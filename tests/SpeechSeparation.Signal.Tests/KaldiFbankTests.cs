using SpeechSeparation.Tests;

namespace SpeechSeparation.Signal.Tests;

/// <summary>
/// <see cref="KaldiFbank"/>: the MossFormer2_SE_48K fixture (torchaudio's <c>kaldi.fbank</c> at 48 kHz, 60 mels, 40/8 ms,
/// Hamming) and properties that follow from Kaldi's definitions at other settings (16 kHz, 23 mels, povey window).
/// </summary>
public class KaldiFbankTests
{
    private static readonly KaldiFbankOptions Se48k = new()
    {
        SampleFrequency = 48000, FrameLength = 1920.0 / 48000 * 1000, FrameShift = 384.0 / 48000 * 1000, NumMelBins = 60, WindowType = "hamming",
    };

    [Fact]
    public void MatchesTheTorchaudioFixture()
    {
        var dir = TestPaths.Fixture("clearvoice_mossformer2_se_48k_fbank");
        var (input, _) = FixtureNpy.Read(Path.Combine(dir, "input.npy"));
        var wave = input.Select(v => (float)(v * 32768)).ToArray();
        var fbank = new KaldiFbank(Se48k);
        Assert.Equal((1920, 384, 2048), (fbank.WindowSize, fbank.WindowShift, fbank.PaddedWindowSize));
        var f = fbank.Compute(Array.ConvertAll(wave, v => (double)v));
        int frames = fbank.FrameCount(wave.Length);
        Assert.Equal(1 + (72000 - 1920) / 384, frames);
        var (expected, shape) = FixtureNpy.Read(Path.Combine(dir, "fbank.npy"));
        Assert.Equal(new long[] { frames, 60 }, shape);
        Assert.True(MaxAbs(f, expected) < 1.35e-4, $"fbank max |diff| {MaxAbs(f, expected)}");
        var d1 = KaldiFbank.Deltas(f, frames, 60);
        var d2 = KaldiFbank.Deltas(d1, frames, 60);
        Assert.True(MaxAbs(d1, FixtureNpy.Read(Path.Combine(dir, "delta.npy")).Data) < 4.19e-5);
        Assert.True(MaxAbs(d2, FixtureNpy.Read(Path.Combine(dir, "delta_delta.npy")).Data) < 2.02e-5);
        Assert.True(MaxAbs(fbank.MelBanks.ToArray(), FixtureNpy.Read(Path.Combine(dir, "inter_mel_banks.npy")).Data) < 6.9e-5);
        // 8 frames lie in digital silence: every bin at ln(float32 eps)
        int floor = Enumerable.Range(0, frames).Count(t => f.AsSpan(t * 60, 60).ToArray().All(v => v == Math.Log(KaldiFbank.LogFloor)));
        Assert.Equal(8, floor);
        Assert.Equal(-15.942385, Math.Log(KaldiFbank.LogFloor), 6);
    }

    [Theory]
    [InlineData(16000, 23, 3)]
    [InlineData(16000, 23, 17)]
    [InlineData(48000, 60, 10)]
    [InlineData(48000, 60, 50)]
    [InlineData(8000, 40, 30)]
    public void AToneAtAMelCentreLandsInThatBinWithItsPower(int rate, int bins, int bin)
    {
        // centres from the mel formula: mel(20 Hz) + (m + 1)·Δ, Δ = (mel(Nyquist) − mel(20))/(bins + 1); the tone sits on bin's
        double lo = 1127 * Math.Log(1 + 20 / 700.0), hi = 1127 * Math.Log(1 + rate / 2 / 700.0), delta = (hi - lo) / (bins + 1);
        double hz = 700 * (Math.Exp((lo + (bin + 1) * delta) / 1127) - 1);
        var fbank = new KaldiFbank(new KaldiFbankOptions
        {
            SampleFrequency = rate, NumMelBins = bins, WindowType = "povey", FrameLength = 25, FrameShift = 10, PreemphasisCoefficient = 0,
        });
        const double a = 10000;
        var x = new double[rate / 2];
        for (int i = 0; i < x.Length; i++) x[i] = a * Math.Sin(2 * Math.PI * hz * i / rate);
        var f = fbank.Compute(x);
        int mid = fbank.FrameCount(x.Length) / 2;
        var row = f.AsSpan(mid * bins, bins).ToArray();
        Assert.Equal(bin, Array.IndexOf(row, row.Max()));
        // its energy: at most the whole positive-frequency power N·A²·Σw²/4 (Parseval, weights ≤ 1), at least the peak FFT
        // bin (A·Σw/2)² less scalloping and the triangle's slope at the nearest FFT bin (well under e¹ together)
        var w = fbank.Window.ToArray();
        double upper = fbank.PaddedWindowSize * a * a * w.Sum(v => v * v) / 4, peak = Math.Pow(a * w.Sum() / 2, 2);
        Assert.InRange(row[bin], Math.Log(peak) - 1, Math.Log(upper) + 0.01);
        // the neighbours two bins away get only leakage
        if (bin >= 2) Assert.True(row[bin - 2] < row[bin] - 3);
        if (bin + 2 < bins) Assert.True(row[bin + 2] < row[bin] - 3);
    }

    [Fact]
    public void FrameCountsFollowKaldi()
    {
        var snip = new KaldiFbank(new KaldiFbankOptions());
        Assert.Equal((400, 160, 512), (snip.WindowSize, snip.WindowShift, snip.PaddedWindowSize));
        Assert.Equal(98, snip.FrameCount(16000));        // 1 + (16000 − 400)/160
        Assert.Equal(0, snip.FrameCount(399));
        Assert.Empty(snip.Compute(new double[399]));
        var centred = new KaldiFbank(new KaldiFbankOptions { SnipEdges = false });
        Assert.Equal(100, centred.FrameCount(16000));    // (16000 + 80)/160
        Assert.Equal(2, centred.FrameCount(399));         // (399 + 80)/160
        Assert.Equal(2 * 23, centred.Compute(Enumerable.Range(0, 399).Select(i => Math.Sin(i * 0.3) * 1000).ToArray()).Length);
        var noPow2 = new KaldiFbank(new KaldiFbankOptions { RoundToPowerOfTwo = false });
        Assert.Equal(400, noPow2.PaddedWindowSize);
    }

    [Fact]
    public void DigitalSilenceSitsAtTheFloatEpsilonFloor()
    {
        var f = new KaldiFbank(Se48k).Compute(new double[48000]);
        Assert.All(f, v => Assert.Equal(Math.Log(1.1920928955078125e-07), v));
    }

    [Fact]
    public void PowerSpectrumKeepsTheFrameEnergy()
    {
        // Parseval on the prepared frame: Σ_k c_k |X_k|² = N Σ_n v_n² (c = 1 at DC and Nyquist, 2 elsewhere)
        var fbank = new KaldiFbank(new KaldiFbankOptions { SampleFrequency = 16000, NumMelBins = 23 });
        var rng = new Random(3);
        var x = Enumerable.Range(0, 4000).Select(_ => (float)(rng.NextDouble() * 2000 - 1000)).ToArray();
        var frame = new double[fbank.PaddedWindowSize];
        fbank.PrepareFrame(x, 5, frame);
        var p = fbank.FrameSpectrum(x, 5);
        double lhs = p[0] + p[^1];
        for (int k = 1; k < p.Length - 1; k++) lhs += 2 * p[k];
        double rhs = fbank.PaddedWindowSize * frame.Sum(v => v * v);
        Assert.Equal(1.0, lhs / rhs, 10);
        // the prepared frame: DC removed, pre-emphasised (v0 ← 0.03·v0), povey-windowed, zero-padded
        var raw = x.AsSpan(5 * 160, 400).ToArray().Select(v => (double)v).ToArray();
        double mean = raw.Average();
        var v = raw.Select(s => s - mean).ToArray();
        double first = v[0] * 0.03, second = v[1] - 0.97 * v[0];
        double w0 = Math.Pow(0.5 - 0.5 * Math.Cos(0), 0.85), w1 = Math.Pow(0.5 - 0.5 * Math.Cos(2 * Math.PI / 399), 0.85);
        Assert.Equal(first * w0, frame[0], 9);
        Assert.Equal(second * w1, frame[1], 9);
        Assert.All(frame[400..], s => Assert.Equal(0, s));
    }

    [Fact]
    public void EnergyColumnIsTheRawLogEnergyFirstOrLastWithHtkCompat()
    {
        var rng = new Random(5);
        var x = Enumerable.Range(0, 2000).Select(_ => rng.NextDouble() * 200 - 100).ToArray();
        var plain = new KaldiFbank(new KaldiFbankOptions()).Compute(x);
        var kaldi = new KaldiFbank(new KaldiFbankOptions { UseEnergy = true }).Compute(x);
        var htk = new KaldiFbank(new KaldiFbankOptions { UseEnergy = true, HtkCompat = true }).Compute(x);
        var frame = x.AsSpan(160 * 2, 400).ToArray();
        double mean = frame.Average(), e = frame.Sum(s => (s - mean) * (s - mean));
        Assert.Equal(Math.Log(e), kaldi[2 * 24], 9);
        Assert.Equal(Math.Log(e), htk[2 * 24 + 23], 9);
        Assert.Equal(plain.AsSpan(2 * 23, 23).ToArray(), kaldi.AsSpan(2 * 24 + 1, 23).ToArray());
        Assert.Equal(plain.AsSpan(2 * 23, 23).ToArray(), htk.AsSpan(2 * 24, 23).ToArray());
        var centred = new KaldiFbank(new KaldiFbankOptions { SubtractMean = true }).Compute(x);
        int frames = centred.Length / 23;
        for (int b = 0; b < 23; b++)
            Assert.Equal(0, Enumerable.Range(0, frames).Sum(t => centred[t * 23 + b]), 9);
    }

    [Fact]
    public void DeltasOfARampAreItsSlopeWithReplicatedEdges()
    {
        // x[t] = 3t: interior (Σ k·(x[t+k] − x[t−k]))/10 = 3; first frame (1·3 + 2·6)/10 = 1.5, second (1·6 + 2·9)/10 = 2.4
        int frames = 9;
        var x = Enumerable.Range(0, frames).Select(t => 3.0 * t).ToArray();
        var d = KaldiFbank.Deltas(x, frames, 1);
        Assert.Equal([1.5, 2.4, 3, 3, 3, 3, 3, 2.4, 1.5], d.Select(v => Math.Round(v, 12)).ToArray());
        // win 3: (x[t+1] − x[t−1])/2
        Assert.Equal([1.5, 3, 3, 3, 3, 3, 3, 3, 1.5], KaldiFbank.Deltas(x, frames, 1, 3).Select(v => Math.Round(v, 12)).ToArray());
        Assert.Throws<ArgumentException>(() => KaldiFbank.Deltas(x, frames, 1, 1));
    }

    [Fact]
    public void DitherIsOffByDefaultAndSeededWhenOn()
    {
        var x = new double[8000];
        Assert.All(new KaldiFbank(new KaldiFbankOptions()).Compute(x), v => Assert.Equal(Math.Log(KaldiFbank.LogFloor), v));
        var a = new KaldiFbank(new KaldiFbankOptions { Dither = 1, DitherSeed = 7 }).Compute(x);
        var b = new KaldiFbank(new KaldiFbankOptions { Dither = 1, DitherSeed = 7 }).Compute(x);
        Assert.Equal(a, b);
        // unit-variance noise lifts every bin far above the floor ln ε ≈ −15.9 (even the lowest, where pre-emphasis
        // attenuates the noise power about 1000-fold)
        Assert.All(a, v => Assert.True(v > Math.Log(KaldiFbank.LogFloor) + 8, $"dithered silence gave {v}"));
        Assert.True(a.Average() > 2);
    }

    [Fact]
    public void RejectsBadOptions()
    {
        Assert.Throws<ArgumentException>(() => new KaldiFbank(new KaldiFbankOptions { NumMelBins = 2 }));
        Assert.Throws<ArgumentException>(() => new KaldiFbank(new KaldiFbankOptions { WindowType = "kaiser" }));
        Assert.Throws<ArgumentException>(() => new KaldiFbank(new KaldiFbankOptions { LowFreq = 9000 }));
        Assert.Throws<NotSupportedException>(() => new KaldiFbank(new KaldiFbankOptions { VtlnWarp = 0.9 }));
    }

    private static double MaxAbs(double[] a, double[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
