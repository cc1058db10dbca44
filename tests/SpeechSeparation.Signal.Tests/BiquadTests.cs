using SpeechSeparation.Signal;

namespace SpeechSeparation.Signal.Tests;

public class BiquadTests
{
    /// <summary>Steady-state gain of a sine through the filter (the first second is left out as transient).</summary>
    private static double Gain(Biquad filter, double frequency, int rate)
    {
        var x = new float[3 * rate];
        for (int i = 0; i < x.Length; i++) x[i] = (float)Math.Sin(2 * Math.PI * frequency * i / rate);
        var y = (float[])x.Clone();
        filter.Process(y);
        return Level.Rms(y.AsSpan(rate)) / Level.Rms(x.AsSpan(rate));
    }

    [Theory]
    [InlineData(8000, 300.0)]
    [InlineData(8000, 3000.0)]
    [InlineData(16000, 1000.0)]
    public void ButterworthSectionsAreThreeDecibelsDownAtTheCutOffAndPassTheOtherBand(int rate, double cutoff)
    {
        // The bilinear transform maps the analogue cut-off exactly, where a second-order Butterworth has |H| = 1/√2.
        Assert.Equal(Math.Sqrt(0.5), Gain(Biquad.LowPass(cutoff, rate), cutoff, rate), 2);
        Assert.Equal(Math.Sqrt(0.5), Gain(Biquad.HighPass(cutoff, rate), cutoff, rate), 2);
        Assert.Equal(1.0, Gain(Biquad.LowPass(cutoff, rate), cutoff / 8, rate), 2);
        Assert.Equal(1.0, Gain(Biquad.HighPass(cutoff, rate), Math.Min(cutoff * 8, rate * 0.45), rate), 1);
        Assert.True(Gain(Biquad.LowPass(cutoff, rate), Math.Min(cutoff * 4, rate * 0.49), rate) < 0.1);   // −12 dB/octave
        Assert.True(Gain(Biquad.HighPass(cutoff, rate), cutoff / 4, rate) < 0.07);
    }

    [Fact]
    public void CutOffsOutsideTheBandAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Biquad.LowPass(4000, 8000));
        Assert.Throws<ArgumentOutOfRangeException>(() => Biquad.HighPass(0, 8000));
    }
}
