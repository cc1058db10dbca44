using SpeechSeparation.Signal;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training.Tests;

public class MixtureAugmentationTests
{
    private static float[] Tone(double f, int n, int rate = 8000) =>
        [.. Enumerable.Range(0, n).Select(i => (float)(0.1 * Math.Sin(2 * Math.PI * f * i / rate)))];

    [Fact]
    public void NoiseIsAddedAtTheDrawnSnrAndTheTargetsStayClean()
    {
        var aug = new MixtureAugmentation(NoiseProbability: 1, NoiseSnrDb: (20, 20));
        var s1 = Tone(440, 16000);
        var s2 = Tone(700, 16000);
        var clean = s1.Zip(s2, (a, b) => a + b).ToArray();
        var mix = (float[])clean.Clone();
        aug.ApplyToExample(mix, [s1, s2], new Random(1));
        var noise = mix.Zip(clean, (m, c) => m - c).ToArray();
        Assert.Equal(20, Level.ToDecibels(Level.Rms(clean) / Level.Rms(noise)), 3);
        Assert.Equal(Tone(440, 16000), s1);                                   // targets untouched
    }

    [Fact]
    public void LevelChangeScalesMixtureAndTargetsAlike()
    {
        var aug = new MixtureAugmentation(LevelDb: (-6, -6));
        var s1 = Tone(440, 800);
        var mix = (float[])s1.Clone();
        aug.ApplyToExample(mix, [s1], new Random(2));
        double g = Level.FromDecibels(-6);
        Assert.Equal(Tone(440, 800).Select(v => (float)(v * g)), mix, (a, b) => Math.Abs(a - b) < 1e-7);
        Assert.Equal(mix, s1);
    }

    [Fact]
    public void BandLimitingRemovesHighFrequenciesOfThatSourceOnly()
    {
        var aug = new MixtureAugmentation(BandLimitProbability: 1);
        var low = Tone(1000, 24000);
        var high = Tone(3950, 24000);                                         // above every drawn low-pass cut-off (≤ 3.8 kHz)
        aug.ApplyToSource(low, 8000, new Random(3));
        aug.ApplyToSource(high, 8000, new Random(3));
        Assert.True(Level.Rms(low.AsSpan(8000)) > 0.5 * 0.1 / Math.Sqrt(2), $"1 kHz kept: {Level.Rms(low.AsSpan(8000))}");
        Assert.True(Level.Rms(high.AsSpan(8000)) < 0.5 * 0.1 / Math.Sqrt(2), $"3.95 kHz attenuated: {Level.Rms(high.AsSpan(8000))}");
    }

    [Fact]
    public void WithoutProbabilitiesNothingChanges()
    {
        var aug = new MixtureAugmentation();
        var s = Tone(440, 800);
        var mix = (float[])s.Clone();
        aug.ApplyToSource(s, 8000, new Random(4));
        aug.ApplyToExample(mix, [s], new Random(4));
        Assert.Equal(Tone(440, 800), s);
        Assert.Equal(Tone(440, 800), mix);
    }
}
