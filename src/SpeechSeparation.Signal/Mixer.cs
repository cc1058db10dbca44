namespace SpeechSeparation.Signal;

/// <summary>Mixing signals for data synthesis.</summary>
public static class Mixer
{
    /// <summary>
    /// The gain for <paramref name="noise"/> that makes <c>10·log10(P_signal / P_noise·gain²) = snrDb</c>
    /// (powers are mean squares over the whole spans).
    /// </summary>
    /// <exception cref="ArgumentException">The noise is silent, or the signal is silent (the SNR is undefined).</exception>
    public static double NoiseGainForSnr(ReadOnlySpan<float> signal, ReadOnlySpan<float> noise, double snrDb)
    {
        double ps = Level.Rms(signal), pn = Level.Rms(noise);
        if (!(pn > 0)) throw new ArgumentException("The noise is silent; it cannot be scaled to an SNR.", nameof(noise));
        if (!(ps > 0)) throw new ArgumentException("The signal is silent; the SNR is undefined.", nameof(signal));
        return ps / pn / Level.FromDecibels(snrDb);
    }

    /// <summary>
    /// Writes <c>signal + g·noise</c> into <paramref name="mixture"/> with <c>g</c> chosen for <paramref name="snrDb"/>
    /// (all three of the same length) and returns <c>g</c>.
    /// </summary>
    public static double MixAtSnr(ReadOnlySpan<float> signal, ReadOnlySpan<float> noise, double snrDb, Span<float> mixture)
    {
        if (noise.Length != signal.Length || mixture.Length != signal.Length)
            throw new ArgumentException($"Signal ({signal.Length}), noise ({noise.Length}) and mixture ({mixture.Length}) must have equal lengths.");
        double g = NoiseGainForSnr(signal, noise, snrDb);
        for (int i = 0; i < signal.Length; i++) mixture[i] = (float)(signal[i] + g * noise[i]);
        return g;
    }

    /// <summary>Allocating form of <see cref="MixAtSnr(ReadOnlySpan{float}, ReadOnlySpan{float}, double, Span{float})"/>.</summary>
    public static float[] MixAtSnr(ReadOnlySpan<float> signal, ReadOnlySpan<float> noise, double snrDb)
    {
        var m = new float[signal.Length];
        MixAtSnr(signal, noise, snrDb, m);
        return m;
    }
}
