using System.Text.Json;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Signal.Tests;

public class ResamplerTests
{
    private static double MaxAbs(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        Assert.Equal(b.Length, a.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    public static TheoryData<string> PolyFixtures() =>
        new(Directory.GetDirectories(TestPaths.Fixture("dsp"), "resample_poly_*").Select(Path.GetFileName).Order()!);

    public static TheoryData<string> SincFixtures() =>
        new(Directory.GetDirectories(TestPaths.Fixture("dsp"), "resample_sinc_*").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(PolyFixtures))]
    public void ResamplePolyMatchesScipy(string name)
    {
        var dir = TestPaths.Fixture("dsp", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        var p = doc.RootElement.GetProperty("params");
        int up = p.GetProperty("up").GetInt32(), down = p.GetProperty("down").GetInt32();
        var x = FixtureNpy.Data(Path.Combine(dir, "x.npy"));
        var y = FixtureNpy.Data(Path.Combine(dir, "y.npy"));
        var filter = FixtureNpy.Data(Path.Combine(dir, "filter.npy"));
        var rs = Resampler.ResamplePoly(up, down);
        Assert.True(MaxAbs(rs.Filter, filter) <= 1e-12);
        var got = rs.Process(x);
        Assert.Equal(p.GetProperty("output_length").GetInt32(), got.Length);
        Assert.True(MaxAbs(got, y) <= 1e-6, $"max abs {MaxAbs(got, y)}");
        // float path within float rounding
        var gotF = rs.Process(x.Select(v => (float)v).ToArray());
        Assert.True(MaxAbs(gotF.Select(v => (double)v).ToArray(), y) <= 2e-5);
        // Create(rates) is the same design
        var byRate = Resampler.Create(p.GetProperty("fs_in").GetInt32(), p.GetProperty("fs_out").GetInt32()).Process(x);
        Assert.Equal(got, byRate);
    }

    [Theory]
    [MemberData(nameof(SincFixtures))]
    public void SincResamplersMatchTorchaudioAndJulius(string name)
    {
        var dir = TestPaths.Fixture("dsp", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        var p = doc.RootElement.GetProperty("params");
        int fin = p.GetProperty("fs_in").GetInt32(), fout = p.GetProperty("fs_out").GetInt32();
        var x = FixtureNpy.Data(Path.Combine(dir, "x.npy"));
        var ta = p.GetProperty("torchaudio_default");
        var kb = p.GetProperty("torchaudio_kaiser_best");
        var ju = p.GetProperty("julius_default");
        var cases = new (string File, Resampler R)[]
        {
            ("torchaudio_default", Resampler.TorchAudio(fin, fout, ta.GetProperty("lowpass_filter_width").GetInt32(), ta.GetProperty("rolloff").GetDouble())),
            ("torchaudio_kaiser_best", Resampler.TorchAudio(fin, fout, kb.GetProperty("lowpass_filter_width").GetInt32(), kb.GetProperty("rolloff").GetDouble(), SincWindow.Kaiser, kb.GetProperty("beta").GetDouble())),
            ("julius_default", Resampler.Julius(fin, fout, ju.GetProperty("zeros").GetInt32(), ju.GetProperty("rolloff").GetDouble())),
        };
        foreach (var (file, r) in cases)
        {
            var y = FixtureNpy.Data(Path.Combine(dir, file + ".npy"));
            var got = r.Process(x);
            Assert.True(MaxAbs(got, y) <= 1e-6, $"{file}: {MaxAbs(got, y)}");
        }
        var kernelFiles = new[] { ("torchaudio_default_kernel", cases[0].R), ("julius_kernel", cases[2].R) };
        foreach (var (file, r) in kernelFiles)
        {
            var path = Path.Combine(dir, file + ".npy");
            if (!File.Exists(path)) continue;
            var (k, shape) = FixtureNpy.Read(path);
            Assert.Equal(r.Phases, (int)shape[0]);
            Assert.Equal(r.KernelLength, (int)shape[^1]);
            var flat = Enumerable.Range(0, r.Phases).SelectMany(r.Kernel).ToArray();
            Assert.True(MaxAbs(flat, k) <= 1e-6, $"{file}: {MaxAbs(flat, k)}");
        }
    }

    [Fact]
    public void OctaveResamplerMatchesPystoi()
    {
        var dir = TestPaths.Fixture("dsp", "resample_pystoi_octave");
        foreach (int fs in new[] { 8000, 16000 })
        {
            var w = FixtureNpy.Data(Path.Combine(dir, $"window_{fs}.npy"));
            Assert.True(MaxAbs(Resampler.OctaveWindow(10000, fs), w) <= 1e-9);
            var x = FixtureNpy.Data(Path.Combine(dir, $"x_{fs}.npy"));
            var y = FixtureNpy.Data(Path.Combine(dir, $"y_{fs}.npy"));
            var got = Resampler.Octave(fs, 10000).Process(x);
            Assert.True(MaxAbs(got, y) <= 1e-9, $"{fs}: {MaxAbs(got, y)}");
        }
    }

    public static TheoryData<int, int, int> StreamCases() => new()
    {
        { 48000, 16000, 0 }, { 44100, 16000, 1 }, { 16000, 48000, 2 }, { 22050, 16000, 0 }, { 8000, 10000, 1 }, { 16000, 8000, 2 },
    };

    [Theory]
    [MemberData(nameof(StreamCases))]
    public void StreamingEqualsOneShotBitForBit(int fin, int fout, int design)
    {
        var r = design switch
        {
            0 => Resampler.Create(fin, fout),
            1 => Resampler.TorchAudio(fin, fout),
            _ => Resampler.Julius(fin, fout),
        };
        var rng = new Random(fin + fout + design);
        var x = new float[20000 + rng.Next(1000)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var expected = r.Process(x);
        var s = r.CreateStream<float>();
        var got = new List<float>();
        var outBuf = new float[4096];
        int pos = 0;
        while (pos < x.Length)
        {
            int n = Math.Min(rng.Next(1, 3000), x.Length - pos);
            int w;
            var block = x.AsSpan(pos, n);
            w = s.Process(block, outBuf);
            got.AddRange(outBuf.AsSpan(0, w));
            while ((w = s.Process([], outBuf)) > 0) got.AddRange(outBuf.AsSpan(0, w));
            pos += n;
        }
        int f;
        while ((f = s.Flush(outBuf.AsSpan(0, 100))) > 0) got.AddRange(outBuf.AsSpan(0, f));
        Assert.Equal(expected.Length, got.Count);
        Assert.True(expected.AsSpan().SequenceEqual(got.ToArray()), "streamed output differs from one-shot");
    }

    [Fact]
    public void PassbandRippleAndStopbandAttenuation()
    {
        // 48 kHz → 16 kHz: tones well inside the pass band keep their amplitude, tones above the new Nyquist vanish.
        var r = Resampler.Create(48000, 16000);
        var (ripple, atten) = ResamplerQuality.Measure(r, 48000, 16000);
        Assert.True(ripple < 0.05, $"passband ripple {ripple} dB");
        Assert.True(atten > 50, $"stopband attenuation {atten} dB");
        var (ripple2, atten2) = ResamplerQuality.Measure(Resampler.Create(44100, 16000), 44100, 16000);
        Assert.True(ripple2 < 0.05 && atten2 > 50, $"44.1k: {ripple2} dB, {atten2} dB");
    }

    [Fact]
    public void IdentityAndBadArguments()
    {
        var x = new double[] { 1, 2, 3 };
        Assert.Equal(x, Resampler.Create(16000, 16000).Process(x));
        Assert.Empty(Resampler.Create(48000, 16000).Process(ReadOnlySpan<double>.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Create(0, 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.ResamplePoly(1, -2));
    }

    [Fact]
    public void AudioBufferResamplingSetsRate()
    {
        var buf = new AudioBuffer(2, 4800, 48000);
        buf.Channel(1).Fill(0.5f);
        var y = Resampler.Create(48000, 16000).Process(buf);
        Assert.Equal(16000, y.SampleRate);
        Assert.Equal(1600, y.Frames);
        Assert.Equal(0.5f, y.Channel(1)[800], 4);
        Assert.Equal(0f, y.Channel(0)[800]);
    }
}

/// <summary>Measures a resampler's pass-band ripple and stop-band attenuation with pure tones.</summary>
internal static class ResamplerQuality
{
    public static (double RippleDb, double StopbandDb) Measure(Resampler r, int fin, int fout)
    {
        int n = fin; // 1 s
        double nyqOut = fout / 2.0;
        double maxDev = 0, worstStop = double.PositiveInfinity;
        // pass band: up to 0.8·Nyquist of the lower rate; stop band: from 1.2·Nyquist to the input Nyquist
        double lowNyq = Math.Min(fin, fout) / 2.0;
        foreach (double frac in new[] { 0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.8 })
        {
            double gain = ToneGain(r, fin, n, frac * lowNyq, frac * lowNyq);
            maxDev = Math.Max(maxDev, Math.Abs(20 * Math.Log10(gain)));
        }
        if (fin > fout)
            for (double f = 1.2 * nyqOut; f < fin / 2.0 * 0.98; f += (fin / 2.0 - 1.2 * nyqOut) / 7)
            {
                // an input tone above the output Nyquist aliases to |f − k·fout|; measure the output's total RMS
                double g = ToneGain(r, fin, n, f, null);
                worstStop = Math.Min(worstStop, -20 * Math.Log10(g + 1e-300));
            }
        return (maxDev, worstStop);
    }

    private static double ToneGain(Resampler r, int fin, int n, double f, double? expectFreq)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = Math.Sin(2 * Math.PI * f * i / fin);
        var y = r.Process(x);
        // RMS over the middle half (away from the edges)
        int a = y.Length / 4, b = 3 * y.Length / 4;
        double s = 0;
        for (int i = a; i < b; i++) s += y[i] * y[i];
        return Math.Sqrt(s / (b - a)) / Math.Sqrt(0.5);
    }
}
