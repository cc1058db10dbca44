namespace SpeechSeparation.Signal;

/// <summary>Signal level measurement and gain: RMS, peak, dBFS (full scale = 1.0, so a full-scale sine is −3.01 dBFS RMS).</summary>
public static class Level
{
    /// <summary>Root-mean-square value (0 for an empty span), accumulated in double precision.</summary>
    public static double Rms(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) return 0;
        double s = 0;
        foreach (var v in x) s += (double)v * v;
        return Math.Sqrt(s / x.Length);
    }

    /// <summary>Root-mean-square value of a double signal.</summary>
    public static double Rms(ReadOnlySpan<double> x)
    {
        if (x.IsEmpty) return 0;
        double s = 0;
        foreach (var v in x) s += v * v;
        return Math.Sqrt(s / x.Length);
    }

    /// <summary>Largest absolute sample value.</summary>
    public static double Peak(ReadOnlySpan<float> x) => x.IsEmpty ? 0 : Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(x));

    /// <summary>Largest absolute sample value of a double signal.</summary>
    public static double Peak(ReadOnlySpan<double> x) => x.IsEmpty ? 0 : Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(x));

    /// <summary>Amplitude ratio → decibels, <c>20·log10(a)</c> (−∞ for 0).</summary>
    public static double ToDecibels(double amplitude) => 20 * Math.Log10(amplitude);

    /// <summary>Decibels → amplitude ratio, <c>10^(dB/20)</c>.</summary>
    public static double FromDecibels(double decibels) => Math.Pow(10, decibels / 20);

    /// <summary>RMS level in dBFS (−∞ for silence).</summary>
    public static double RmsDbfs(ReadOnlySpan<float> x) => ToDecibels(Rms(x));

    /// <summary>Peak level in dBFS (−∞ for silence).</summary>
    public static double PeakDbfs(ReadOnlySpan<float> x) => ToDecibels(Peak(x));

    /// <summary>The gain that brings the RMS level to <paramref name="targetDbfs"/>.</summary>
    /// <exception cref="ArgumentException">The signal is silent (no finite gain reaches the target).</exception>
    public static double GainToRms(ReadOnlySpan<float> x, double targetDbfs)
    {
        double rms = Rms(x);
        if (!(rms > 0)) throw new ArgumentException("The signal is silent; no gain brings it to a target level.", nameof(x));
        return FromDecibels(targetDbfs) / rms;
    }

    /// <summary>The gain that brings the peak level to <paramref name="targetDbfs"/>.</summary>
    /// <exception cref="ArgumentException">The signal is silent.</exception>
    public static double GainToPeak(ReadOnlySpan<float> x, double targetDbfs)
    {
        double peak = Peak(x);
        if (!(peak > 0)) throw new ArgumentException("The signal is silent; no gain brings it to a target level.", nameof(x));
        return FromDecibels(targetDbfs) / peak;
    }

    /// <summary>Multiplies the signal in place by <paramref name="gain"/>.</summary>
    public static void ApplyGain(Span<float> x, double gain) => System.Numerics.Tensors.TensorPrimitives.Multiply(x, (float)gain, x);

    /// <summary>Scales the signal in place to an RMS level of <paramref name="targetDbfs"/>; returns the gain applied.</summary>
    public static double NormalizeRms(Span<float> x, double targetDbfs)
    {
        double g = GainToRms(x, targetDbfs);
        ApplyGain(x, g);
        return g;
    }

    /// <summary>Scales the signal in place to a peak level of <paramref name="targetDbfs"/>; returns the gain applied.</summary>
    public static double NormalizePeak(Span<float> x, double targetDbfs)
    {
        double g = GainToPeak(x, targetDbfs);
        ApplyGain(x, g);
        return g;
    }
}
