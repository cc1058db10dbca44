using System.Text.Json;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Signal.Tests;

public class WindowTests
{
    internal static double[] FromCall(string call, int n)
    {
        var c = call.ToLowerInvariant();
        if (c.StartsWith("sqrt")) return Window.SqrtHann(n);
        if (c.Contains("numpy.hanning")) return Window.MatlabHanning(n);
        if (c.Contains("kaiser"))
        {
            var beta = double.Parse(System.Text.RegularExpressions.Regex.Match(c, @"'kaiser',\s*([0-9.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return Window.Kaiser(n, beta, periodic: !c.Contains("fftbins=false"));
        }
        bool periodic = !c.Contains("periodic=false");
        if (c.Contains("hann")) return Window.Hann(n, periodic);
        if (c.Contains("hamming")) return Window.Hamming(n, periodic);
        if (c.Contains("blackman")) return Window.Blackman(n, periodic);
        throw new NotSupportedException(call);
    }

    [Fact]
    public void MatchesEveryFixtureWindow()
    {
        var dir = TestPaths.Fixture("dsp", "windows");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        int count = 0;
        foreach (var w in doc.RootElement.GetProperty("windows").EnumerateArray())
        {
            int n = w.GetProperty("length").GetInt32();
            var call = w.GetProperty("call").GetString()!;
            var exp = FixtureNpy.Data(Path.Combine(dir, w.GetProperty("file").GetString()!));
            var got = FromCall(call, n);
            Assert.Equal(exp.Length, got.Length);
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(exp[i] - got[i]) <= 1e-12, $"{call} n={n} i={i}: {got[i]} vs {exp[i]}");
            count++;
        }
        Assert.Equal(40, count);
    }

    [Fact]
    public void PeriodicIsSymmetricOfLengthPlusOne()
    {
        var p = Window.Hann(16);
        var s = Window.Hann(17, periodic: false);
        for (int i = 0; i < 16; i++) Assert.Equal(s[i], p[i], 15);
        Assert.Equal(0, Window.Hann(8, periodic: false)[7], 15);
        Assert.Equal(1.0, Window.Kaiser(9, 5.0)[4], 15);
        Assert.Throws<ArgumentException>(() => Window.ByName("triangle", 8));
    }

    [Fact]
    public void BesselI0MatchesKnownValues()
    {
        // I0(0) = 1; I0(1) = 1.2660658777520082; I0(5) = 27.239871823604442 (Abramowitz & Stegun table 9.8)
        Assert.Equal(1.0, Window.BesselI0(0), 15);
        Assert.Equal(1.2660658777520082, Window.BesselI0(1), 14);
        Assert.Equal(27.239871823604442, Window.BesselI0(5), 12);
    }
}
