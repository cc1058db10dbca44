using System.Text.Json;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Signal.Tests;

public class StftTests
{
    public static TheoryData<string> Fixtures() =>
        new(Directory.GetDirectories(TestPaths.Fixture("dsp"))
            .Where(d => d.Contains("torch_n") || d.Contains("librosa_n")).Select(Path.GetFileName).Order()!);

    private static double[] WindowFromText(string text, int length)
    {
        var t = text.ToLowerInvariant();
        bool periodic = !t.Contains("periodic=false");
        if (t.Contains("sqrt")) return Window.SqrtHann(length, periodic);
        if (t.Contains("hann")) return Window.Hann(length, periodic);
        if (t.Contains("hamming")) return Window.Hamming(length, periodic);
        if (t.Contains("blackman")) return Window.Blackman(length, periodic);
        if (t.Contains("none") || t.Contains("rect") || t.Contains("ones")) return Window.Rectangular(length);
        throw new NotSupportedException(text);
    }

    internal static Stft FromConfig(JsonElement p, bool librosa)
    {
        int nFft = p.GetProperty("n_fft").GetInt32();
        int? Opt(string name) => p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        bool center = !p.TryGetProperty("center", out var c) || c.GetBoolean();
        var padMode = (p.TryGetProperty("pad_mode", out var pm) ? pm.GetString() : null) switch
        {
            "constant" => PadMode.Constant,
            "replicate" or "edge" => PadMode.Replicate,
            "circular" or "wrap" => PadMode.Circular,
            "reflect" => PadMode.Reflect,
            _ => librosa ? PadMode.Constant : PadMode.Reflect,
        };
        int win = Opt("resolved_win_length") ?? Opt("win_length") ?? nFft;
        int hop = Opt("resolved_hop_length") ?? Opt("hop_length") ?? (librosa ? win / 4 : nFft / 4);
        var window = WindowFromText(p.GetProperty("window").GetString()!, win);
        bool normalized = p.TryGetProperty("normalized", out var nz) && nz.GetBoolean();
        return new Stft(nFft, hop, win, window, center, padMode, normalized, librosa ? IstftEnvelope.Librosa : IstftEnvelope.Torch);
    }

    private static void AssertClose(ReadOnlySpan<double> got, ReadOnlySpan<double> exp, double relToMax, string what)
    {
        Assert.Equal(exp.Length, got.Length);
        double max = 0, err = 0;
        for (int i = 0; i < exp.Length; i++) { max = Math.Max(max, Math.Abs(exp[i])); err = Math.Max(err, Math.Abs(got[i] - exp[i])); }
        Assert.True(err <= relToMax * max, $"{what}: max abs err {err:G3} > {relToMax}·{max:G3}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void MatchesFixture(string name)
    {
        var dir = TestPaths.Fixture("dsp", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        bool librosa = doc.RootElement.GetProperty("upstream").GetProperty("repo").GetString()!.Contains("librosa");
        var stft = FromConfig(doc.RootElement.GetProperty("params"), librosa);
        double[] Load(string f) => FixtureNpy.Data(Path.Combine(dir, f + ".npy"));
        var x = Load("x");
        var re = Load("stft_real");
        var im = Load("stft_imag");
        var s = stft.Forward(x);
        AssertClose(s.Real, re, 1e-6, "real");
        AssertClose(s.Imag, im, 1e-6, "imag");
        // float path
        var sf = stft.Forward(x.Select(v => (float)v).ToArray());
        AssertClose(sf.Real.Select(v => (double)v).ToArray(), re, 2e-6, "real (float)");

        var expected = new Spectrogram<double>(re, im, stft.Bins, re.Length / stft.Bins);
        var rt = Load("istft_roundtrip");
        AssertClose(stft.Inverse(expected, rt.Length), rt, 1e-6, "istft_roundtrip");

        var mask = Load("mask");
        var mod = new Spectrogram<double>(stft.Bins, expected.Frames);
        string outName = librosa ? "istft_masked" : "istft_modified";
        var shift = librosa ? null : Load("phase_shift");
        for (int i = 0; i < re.Length; i++)
        {
            double a = re[i] * mask[i], b = im[i] * mask[i];
            if (shift is not null)
            {
                double c = Math.Cos(shift[i]), sn = Math.Sin(shift[i]);
                (a, b) = (a * c - b * sn, a * sn + b * c);
            }
            mod.Real[i] = a; mod.Imag[i] = b;
        }
        var expMod = Load(outName);
        AssertClose(stft.Inverse(mod, expMod.Length), expMod, 1e-6, outName);
    }

    public static TheoryData<int, int, int, string, bool, int> RoundTripCases() => new()
    {
        { 512, 128, 512, "hann", true, 16000 }, { 400, 160, 400, "hann", true, 8001 }, { 255, 100, 255, "hann", true, 3000 },
        { 320, 160, 320, "sqrt_hann", true, 4567 }, { 1024, 256, 1024, "rect", true, 9999 }, { 320, 160, 320, "hamming", false, 4800 },
        { 500, 125, 400, "hamming", true, 7000 }, { 97, 24, 97, "hann", true, 1000 },
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void RoundTripRecoversSignal(int nFft, int hop, int win, string window, bool center, int length)
    {
        var rng = new Random(nFft + length);
        var x = new double[length];
        for (int i = 0; i < length; i++) x[i] = rng.NextDouble() * 2 - 1;
        var stft = new Stft(nFft, hop, win, Window.ByName(window, win), center);
        var s = stft.Forward(x);
        int len = center ? length : stft.DefaultOutputLength(s.Frames);
        var y = stft.Inverse(s, len);
        double num = 0, den = 0;
        for (int i = 0; i < len; i++) { num += (y[i] - x[i]) * (y[i] - x[i]); den += x[i] * x[i]; }
        Assert.True(Math.Sqrt(num / den) < 1e-12, $"double rel err {Math.Sqrt(num / den)}");
        var xf = x.Select(v => (float)v).ToArray();
        var yf = stft.Inverse(stft.Forward(xf), len);
        num = 0; den = 0;
        for (int i = 0; i < len; i++) { num += (yf[i] - xf[i]) * (double)(yf[i] - xf[i]); den += xf[i] * (double)xf[i]; }
        Assert.True(Math.Sqrt(num / den) < 1e-5, $"float rel err {Math.Sqrt(num / den)}");
    }

    [Fact]
    public void MatchesDirectDftDefinition()
    {
        var rng = new Random(4);
        var x = new double[300];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() - 0.5;
        int n = 64, hop = 20;
        var w = Window.Hamming(50);
        var stft = new Stft(n, hop, 50, w, center: true, PadMode.Reflect, normalized: true);
        var s = stft.Forward(x);
        var pw = stft.PaddedWindow.ToArray();
        Assert.Equal(7, Array.IndexOf(pw, w[0])); // (64 − 50)/2
        int frames = 1 + (x.Length + 2 * 32 - n) / hop;
        Assert.Equal(frames, s.Frames);
        for (int m = 0; m < frames; m += 3)
            for (int k = 0; k <= n / 2; k += 5)
            {
                double re = 0, im = 0;
                for (int t = 0; t < n; t++)
                {
                    int idx = m * hop + t - 32;
                    if (idx < 0) idx = -idx;
                    if (idx >= x.Length) idx = 2 * (x.Length - 1) - idx;
                    double v = pw[t] * x[idx];
                    re += v * Math.Cos(2 * Math.PI * k * t / n);
                    im -= v * Math.Sin(2 * Math.PI * k * t / n);
                }
                Assert.Equal(re / 8, s.Real[k * frames + m], 1e-12);
                Assert.Equal(im / 8, s.Imag[k * frames + m], 1e-12);
            }
    }

    [Fact]
    public void NolaViolationRaises()
    {
        var x = new double[4800];
        new Random(1).NextBytes(new byte[1]);
        for (int i = 0; i < x.Length; i++) x[i] = Math.Sin(i * 0.01);
        // the spec's example: n_fft 512, hop 256, 320-point Hann, 4800 samples
        var stft = new Stft(512, 256, 320, Window.Hann(320));
        var s = stft.Forward(x);
        var ex = Assert.Throws<ArgumentException>(() => stft.Inverse(s, 4800));
        Assert.Contains("NOLA", ex.Message);
        // center=false with a Hann window: zero first sample
        var nc = new Stft(256, 64, null, Window.Hann(256), center: false);
        Assert.Throws<ArgumentException>(() => nc.Inverse(nc.Forward(x)));
        // librosa rule: no error, the first sample is left undivided (0)
        var lb = new Stft(256, 64, null, Window.Hann(256), center: false, envelope: IstftEnvelope.Librosa);
        var y = lb.Inverse(lb.Forward(x));
        Assert.Equal(0, y[0]);
        Assert.Equal(x[100], y[100], 1e-12);
    }

    [Fact]
    public void ReflectPaddingNeedsLongerSignal()
    {
        var stft = new Stft(512, 128, null, Window.Hann(512));
        Assert.Throws<ArgumentException>(() => stft.Forward(new double[200]));
        var constant = new Stft(512, 128, null, Window.Hann(512), padMode: PadMode.Constant);
        Assert.Equal(2, constant.Forward(new double[200]).Frames);
    }

    [Fact]
    public void PolarAndInterleavedConversions()
    {
        var stft = new Stft(64, 16, null, Window.Hann(64));
        var x = Enumerable.Range(0, 500).Select(i => (float)Math.Sin(i * 0.3)).ToArray();
        var s = stft.Forward(x);
        var back = Spectrogram<float>.FromPolar(s.Magnitude(), s.Phase(), s.Bins, s.Frames);
        for (int i = 0; i < s.Real.Length; i++) Assert.Equal(s.Real[i], back.Real[i], 1e-4);
        var il = Spectrogram<float>.FromInterleaved(s.ToInterleaved(), s.Bins, s.Frames);
        Assert.Equal(s.Imag, il.Imag);
    }
}
