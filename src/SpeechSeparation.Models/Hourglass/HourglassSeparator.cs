using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>How masked magnitudes are turned back into waveforms.</summary>
public enum HourglassInverse
{
    /// <summary>Append a zero Nyquist row and invert with the analysis transform (n_fft 1024, Hann 1024): consistent.</summary>
    Nyquist0,

    /// <summary>
    /// As the TF evaluation script: <c>librosa.istft</c> of the 512-row matrix, which infers n_fft = 1022 and uses a
    /// Hann(1022) window (bins silently re-scaled by 1024/1022).
    /// </summary>
    Librosa1022,
}

/// <summary>
/// Music separation with a stacked hourglass mask network, as the TF evaluation script does it: 8 kHz waveform → |STFT|
/// (1024/256, periodic Hann, centred with reflect padding) → divide by the clip's largest magnitude → bins 0…511 in
/// 64-frame windows (hop 32, centre 32 frames kept) → last stack's masks, negatives set to 0 → mask × mixture magnitude
/// with the mixture phase → inverse STFT of exactly the input length.
/// </summary>
public sealed class HourglassSeparator
{
    /// <summary>Sample rate the networks are trained at.</summary>
    public const int SampleRate = 8000;
    /// <summary>STFT size.</summary>
    public const int FftSize = 1024;
    /// <summary>STFT hop.</summary>
    public const int HopLength = 256;
    /// <summary>Frequency rows fed to the network (the Nyquist bin is dropped).</summary>
    public const int Bins = FftSize / 2;
    /// <summary>Frames per network window.</summary>
    public const int PatchFrames = 64;

    /// <summary>Wraps a mask network ([B, 1, F, T] → [stacks, B, S, F, T]: <see cref="StackedHourglassNet"/> or <see cref="ZyfStackedHourglassNet"/>).</summary>
    public HourglassSeparator(torch.nn.Module<Tensor, Tensor> network, HourglassInverse inverse = HourglassInverse.Nyquist0)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Inverse = inverse;
    }

    /// <summary>The mask network.</summary>
    public torch.nn.Module<Tensor, Tensor> Network { get; }

    /// <summary>The reconstruction.</summary>
    public HourglassInverse Inverse { get; }

    /// <summary>Separates 8 kHz mixtures [B, N] into sources [B, S, N].</summary>
    public Tensor Separate(Tensor waveforms)
    {
        if (waveforms.ndim != 2) throw new ArgumentException($"Expected mixtures [B, N], got [{string.Join(", ", waveforms.shape)}].", nameof(waveforms));
        using var scope = torch.NewDisposeScope();
        long n = waveforms.size(1);
        var x = n > FftSize / 2 ? waveforms : F.pad(waveforms, [0, FftSize - n]);   // reflect padding needs > 512 samples
        var (magnitude, phase) = Analyse(x);                                          // [B, 513, T] each
        var (input, _) = Normalise(magnitude);                                        // [B, 1, 512, T]
        var masks = WindowedMasks(Network, input);                                    // [B, S, 512, T], ≥ 0
        var sources = masks * magnitude.narrow(1, 0, Bins).unsqueeze(1);              // mask · Xn · max = mask · |X|
        var y = Synthesise(sources, phase, x.size(1), Inverse);                       // [B, S, N']
        return y.narrow(2, 0, n).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>|STFT| and phase of waveforms [B, N] (1024/256, periodic Hann, centred, reflect): [B, 513, T] each.</summary>
    public static (Tensor Magnitude, Tensor Phase) Analyse(Tensor waveforms)
    {
        using var scope = torch.NewDisposeScope();
        var window = torch.hann_window(FftSize, true).to(waveforms.device);
        var X = torch.stft(waveforms, FftSize, HopLength, FftSize, window, return_complex: true);        // [B, 513, T] complex
        var re = X.real;
        var im = X.imag;
        // x·x rather than square(): TorchSharp builds square() as pow(2) with a temporary Scalar, and a failing libtorch
        // assertion on that Scalar ("INTERNAL ASSERT FAILED at Scalar.h") was seen once under load; same numbers.
        var magnitude = (re * re).Add(im * im).sqrt();
        var phase = torch.atan2(im, re);
        return (magnitude.MoveToOuterDisposeScope(), phase.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The network input: magnitudes [B, 513, T] divided by each clip's largest value (all bins and frames), Nyquist
    /// bin dropped → [B, 1, 512, T]; also returns the divisors [B, 1, 1, 1].
    /// </summary>
    public static (Tensor Input, Tensor Scale) Normalise(Tensor magnitude)
    {
        using var scope = torch.NewDisposeScope();
        long b = magnitude.size(0);
        var (max, _) = magnitude.reshape(b, -1).max(1);                               // [B]
        var scale = max.ClampMin(1e-20).view(b, 1, 1, 1);
        var input = magnitude.narrow(1, 0, Bins).unsqueeze(1) / scale;                // [B, 1, 512, T]
        return (input.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The TF evaluation's sliding windows over frames: windows of <paramref name="window"/> frames every window/2;
    /// the first keeps frames [0, 3w/4), the others their centre [w/4, 3w/4), and a last window aligned to the end fills
    /// the rest. Only the last stack's masks are used; negative values are set to 0. Inputs shorter than a window are
    /// zero-padded on both sides (as in training).
    /// </summary>
    /// <param name="network">[B, 1, F, w] → [stacks, B, S, F, w].</param>
    /// <param name="input">Normalised magnitudes [B, 1, F, T].</param>
    /// <param name="window">Frames per window (64).</param>
    /// <param name="tfQuirk">Reproduce the TF script for T == window: frames [0, w/4) stay 0.</param>
    /// <returns>Masks [B, S, F, T].</returns>
    public static Tensor WindowedMasks(torch.nn.Module<Tensor, Tensor> network, Tensor input, int window = PatchFrames, bool tfQuirk = false)
    {
        if (input.ndim != 4 || input.size(1) != 1) throw new ArgumentException($"Expected [B, 1, F, T], got [{string.Join(", ", input.shape)}].", nameof(input));
        if (window < 4 || window % 4 != 0) throw new ArgumentOutOfRangeException(nameof(window), "The window must be a positive multiple of 4.");
        using var scope = torch.NewDisposeScope();
        long T = input.size(3);
        Tensor Last(long start)
        {
            using var inner = torch.NewDisposeScope();
            var masks = network.forward(input.narrow(3, start, window));             // [K, B, S, F, w]
            return masks.select(0, masks.size(0) - 1).MoveToOuterDisposeScope();     // [B, S, F, w]
        }
        if (T < window)
        {
            long left = (window - T + 1) / 2;
            var padded = F.pad(input, [left, window - T - left]);
            var m = WindowedMasks(network, padded, window, tfQuirk: false);
            return m.narrow(3, left, T).ClampMin(0).MoveToOuterDisposeScope();
        }
        int hop = window / 2, margin = window / 4;
        var pieces = new List<Tensor>();
        long s = 0;
        for (; s + window < T; s += hop)
        {
            var m = Last(s);
            pieces.Add(s == 0 ? m.narrow(3, 0, hop + margin) : m.narrow(3, margin, hop));
        }
        var lastWindow = Last(T - window);
        if (s == 0)
        {
            // T == window: the loop never ran. TF leaves frames [0, w/4) at 0; otherwise keep the whole window.
            pieces.Add(tfQuirk ? torch.zeros_like(lastWindow.narrow(3, 0, margin)) : lastWindow.narrow(3, 0, margin));
        }
        long tail = T - s - margin;                                                    // frames [s + w/4, T)
        pieces.Add(lastWindow.narrow(3, window - tail, tail));
        return torch.cat(pieces, 3).ClampMin(0).MoveToOuterDisposeScope();          // [B, S, F, T]
    }

    /// <summary>
    /// Waveforms [B, S, <paramref name="length"/>] from source magnitudes [B, S, 512, T] and the mixture phase [B, 513, T].
    /// </summary>
    public static Tensor Synthesise(Tensor magnitudes, Tensor phase, long length, HourglassInverse inverse = HourglassInverse.Nyquist0)
    {
        using var scope = torch.NewDisposeScope();
        long b = magnitudes.size(0), s = magnitudes.size(1), rows = magnitudes.size(2), t = magnitudes.size(3);
        Tensor y;
        if (inverse == HourglassInverse.Nyquist0)
        {
            var mag = F.pad(magnitudes, [0, 0, 0, FftSize / 2 + 1 - rows]);                 // zero Nyquist row: [B, S, 513, T]
            var spec = torch.polar(mag, phase.unsqueeze(1).expand(b, s, FftSize / 2 + 1, t).contiguous());
            var window = torch.hann_window(FftSize, true).to(magnitudes.device);
            y = torch.istft(spec.reshape(b * s, FftSize / 2 + 1, t), FftSize, HopLength, FftSize, window, length: length);
        }
        else
        {
            long nfft = 2 * (rows - 1);                                                    // what librosa infers from the row count
            var spec = torch.polar(magnitudes, phase.narrow(1, 0, rows).unsqueeze(1).expand(b, s, rows, t).contiguous());
            var window = torch.hann_window(nfft, true).to(magnitudes.device);
            y = torch.istft(spec.reshape(b * s, rows, t), nfft, HopLength, nfft, window, length: length);
        }
        return y.view(b, s, length).MoveToOuterDisposeScope();
    }
}
