namespace SpeechSeparation.Signal;

/// <summary>
/// A one-sided complex spectrogram in <b>split</b> layout, frequency-major like <c>torch.stft</c>'s output
/// <c>[bins, frames]</c>: element <c>(k, m)</c> is <c>Real[k·Frames + m] + i·Imag[k·Frames + m]</c>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Spectrogram<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    /// <summary>Creates a zero spectrogram.</summary>
    public Spectrogram(int bins, int frames)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "A spectrogram needs at least one bin.");
        if (frames < 0) throw new ArgumentOutOfRangeException(nameof(frames), frames, "The frame count cannot be negative.");
        Bins = bins;
        Frames = frames;
        Real = new T[checked(bins * frames)];
        Imag = new T[bins * frames];
    }

    /// <summary>Wraps existing split arrays (each <c>bins·frames</c> long, frequency-major).</summary>
    public Spectrogram(T[] real, T[] imag, int bins, int frames)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(imag);
        if (bins < 1 || frames < 0 || real.Length != (long)bins * frames || imag.Length != real.Length)
            throw new ArgumentException($"Real ({real.Length}) and imaginary ({imag.Length}) parts must both hold {bins}×{frames} values.");
        Bins = bins;
        Frames = frames;
        Real = real;
        Imag = imag;
    }

    /// <summary>Frequency bins (<c>n_fft/2 + 1</c>).</summary>
    public int Bins { get; }

    /// <summary>Frames.</summary>
    public int Frames { get; }

    /// <summary>Real parts, <c>[bins, frames]</c>.</summary>
    public T[] Real { get; }

    /// <summary>Imaginary parts, <c>[bins, frames]</c>.</summary>
    public T[] Imag { get; }

    /// <summary>Magnitudes <c>|X|</c>, <c>[bins, frames]</c>.</summary>
    public T[] Magnitude()
    {
        var r = new T[Real.Length];
        for (int i = 0; i < r.Length; i++) r[i] = T.Hypot(Real[i], Imag[i]);
        return r;
    }

    /// <summary>Phases <c>atan2(imag, real)</c> in radians, <c>[bins, frames]</c>.</summary>
    public T[] Phase()
    {
        var r = new T[Real.Length];
        for (int i = 0; i < r.Length; i++) r[i] = T.Atan2(Imag[i], Real[i]);
        return r;
    }

    /// <summary>Builds a spectrogram from magnitudes and phases (<c>[bins, frames]</c> each).</summary>
    public static Spectrogram<T> FromPolar(ReadOnlySpan<T> magnitude, ReadOnlySpan<T> phase, int bins, int frames)
    {
        var s = new Spectrogram<T>(bins, frames);
        if (magnitude.Length != s.Real.Length || phase.Length != s.Real.Length)
            throw new ArgumentException($"Magnitude and phase must each hold {bins}×{frames} values.");
        for (int i = 0; i < s.Real.Length; i++)
        {
            (T sin, T cos) = T.SinCos(phase[i]);
            s.Real[i] = magnitude[i] * cos;
            s.Imag[i] = magnitude[i] * sin;
        }
        return s;
    }

    /// <summary>Interleaved complex values <c>[bins, frames, 2]</c> (real, imaginary).</summary>
    public T[] ToInterleaved()
    {
        var r = new T[2 * Real.Length];
        for (int i = 0; i < Real.Length; i++) { r[2 * i] = Real[i]; r[2 * i + 1] = Imag[i]; }
        return r;
    }

    /// <summary>Builds a spectrogram from interleaved values <c>[bins, frames, 2]</c>.</summary>
    public static Spectrogram<T> FromInterleaved(ReadOnlySpan<T> interleaved, int bins, int frames)
    {
        var s = new Spectrogram<T>(bins, frames);
        if (interleaved.Length != 2 * s.Real.Length)
            throw new ArgumentException($"Interleaved data must hold 2×{bins}×{frames} values.", nameof(interleaved));
        for (int i = 0; i < s.Real.Length; i++) { s.Real[i] = interleaved[2 * i]; s.Imag[i] = interleaved[2 * i + 1]; }
        return s;
    }
}
