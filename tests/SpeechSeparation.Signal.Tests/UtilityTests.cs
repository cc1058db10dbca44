namespace SpeechSeparation.Signal.Tests;

public class UtilityTests
{
    private static float[] Sine(int n, double freq, double amp, int rate = 16000) =>
        Enumerable.Range(0, n).Select(i => (float)(amp * Math.Sin(2 * Math.PI * freq * i / rate))).ToArray();

    [Fact]
    public void LevelsOfASine()
    {
        var x = Sine(16000, 1000, 0.5); // whole number of periods
        Assert.Equal(0.5 / Math.Sqrt(2), Level.Rms(x), 6);
        Assert.Equal(0.5, Level.Peak(x), 6);
        Assert.Equal(20 * Math.Log10(0.5 / Math.Sqrt(2)), Level.RmsDbfs(x), 5);
        Assert.Equal(-6.0206, Level.PeakDbfs(x), 3);
        Assert.Equal(double.NegativeInfinity, Level.RmsDbfs(new float[10]));
        var y = (float[])x.Clone();
        double g = Level.NormalizeRms(y, -20);
        Assert.Equal(-20, Level.RmsDbfs(y), 4);
        Assert.Equal(Level.FromDecibels(-20) / Level.Rms(x), g, 9);
        Level.NormalizePeak(y, -1);
        Assert.Equal(-1, Level.PeakDbfs(y), 4);
        Assert.Throws<ArgumentException>(() => Level.GainToRms(new float[5], -20));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(5.0)]
    [InlineData(-7.5)]
    public void MixAtSnrHitsTheTarget(double snr)
    {
        var rng = new Random(2);
        var s = Sine(8000, 440, 0.3);
        var n = Enumerable.Range(0, 8000).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var m = Mixer.MixAtSnr(s, n, snr);
        var noise = m.Zip(s, (a, b) => a - b).ToArray();
        double measured = 20 * Math.Log10(Level.Rms(s) / Level.Rms(noise));
        Assert.Equal(snr, measured, 4);
        Assert.Throws<ArgumentException>(() => Mixer.MixAtSnr(s, new float[8000], 0));
        Assert.Throws<ArgumentException>(() => Mixer.MixAtSnr(s, n.AsSpan(0, 10), 0));
    }

    [Fact]
    public void SoftClipIsBoundedContinuousAndTransparentBelowThreshold()
    {
        var x = Enumerable.Range(-300, 601).Select(i => i / 100f).ToArray();
        var y = (float[])x.Clone();
        Dynamics.SoftClip(y, 0.8, 1.0);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(y[i]) <= 1.0);
            if (Math.Abs(x[i]) <= 0.8) Assert.Equal(x[i], y[i]);
            if (i > 0) Assert.True(y[i] >= y[i - 1], "monotonic");
        }
        Assert.Equal(0.81f, Math.Round(y[Array.IndexOf(x, 0.81f)], 3), 3);
    }

    [Fact]
    public void LimiterKeepsPeaksUnderTheCeilingAndQuietPartsIntact()
    {
        var x = Sine(16000, 200, 0.5);
        for (int i = 8000; i < 8400; i++) x[i] *= 4; // a loud burst
        var y = (float[])x.Clone();
        Dynamics.Limit(y, 0.9, lookAhead: 32, releaseSamples: 400);
        Assert.True(Level.Peak(y) <= 0.9 + 1e-6);
        for (int i = 0; i < 7900; i++) Assert.Equal(x[i], y[i]);
        var quiet = Sine(1000, 200, 0.5);
        var q2 = (float[])quiet.Clone();
        Dynamics.Limit(q2, 0.9);
        Assert.Equal(quiet, q2);
    }

    [Theory]
    [InlineData(1000, 256, 128)]
    [InlineData(1000, 256, 256)]
    [InlineData(100, 256, 64)]
    [InlineData(4097, 512, 100)]
    public void SegmentAndOverlapAddRoundTrip(int n, int seg, int hop)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
        var s = Segmentation.Segment(x, seg, hop, out int count);
        Assert.Equal(Segmentation.SegmentCount(n, seg, hop), count);
        Assert.True((count - 1) * hop + seg >= n);
        for (int i = 0; i < count; i++)
            for (int t = 0; t < seg; t++)
                Assert.Equal(i * hop + t < n ? x[i * hop + t] : 0f, s[i * seg + t]);
        var y = Segmentation.OverlapAdd(s, seg, hop, n);
        Assert.Equal(x, y);
        if (hop == seg) return;
        var hann = Window.ToSingle(Window.Hann(seg, periodic: false));
        var z = Segmentation.OverlapAdd(s, seg, hop, n, hann);
        for (int i = 1; i < n - 1; i++) Assert.Equal(x[i], z[i], 5);
    }

    [Fact]
    public void PadTrimAndFixLength()
    {
        float[] x = [1, 2, 3, 4];
        Assert.Equal(new float[] { 3, 2, 1, 2, 3, 4, 3, 2 }, Segmentation.Pad(x, 2, 2, PadMode.Reflect));
        Assert.Equal(new float[] { 1, 1, 1, 2, 3, 4, 4 }, Segmentation.Pad(x, 2, 1, PadMode.Replicate));
        Assert.Equal(new float[] { 4, 1, 2, 3, 4, 1 }, Segmentation.Pad(x, 1, 1, PadMode.Circular));
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 0 }, Segmentation.Pad(x, 1, 1));
        Assert.Throws<ArgumentException>(() => Segmentation.Pad(x, 4, 0, PadMode.Reflect));
        Assert.Equal(new float[] { 1, 2 }, Segmentation.FixLength(x, 2));
        Assert.Equal(new float[] { 1, 2, 3, 4, 0 }, Segmentation.FixLength(x, 5));
        float[] s = [0, 0, 0.5f, 0, 1, 0];
        Assert.Equal(new Range(2, 5), Segmentation.TrimSilence(s));
    }

    [Fact]
    public void AudioBufferChannelsAndMono()
    {
        var inter = new float[] { 1, 2, 3, 4, 5, 6 }; // 2 frames × 3 channels
        var b = AudioBuffer.FromInterleaved(inter, 3, 8000);
        Assert.Equal(2, b.Frames);
        Assert.Equal(new float[] { 1, 4 }, b.Channel(0).ToArray());
        Assert.Equal(new float[] { 3, 6 }, b.Channel(2).ToArray());
        Assert.Equal(inter, b.ToInterleaved());
        Assert.Equal(new float[] { 2, 5 }, b.ToMono().Samples);
        var sel = b.SelectChannels(2, 0);
        Assert.Equal(new float[] { 3, 6, 1, 4 }, sel.Samples);
        Assert.Equal(new float[] { 4 }, b.Slice(1, 1).Channel(0).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Channel(3));
        Assert.Throws<ArgumentException>(() => AudioBuffer.FromInterleaved(new float[5], 2, 8000));
        Assert.Equal(TimeSpan.FromSeconds(2 / 8000.0), b.Duration);
    }
}
