using System.Buffers;
using System.Numerics;

namespace SpeechSeparation.Signal;

/// <summary>How a signal is extended by <c>n_fft/2</c> samples on each side when an STFT is centred.</summary>
public enum PadMode
{
    /// <summary>Mirror without repeating the edge sample (<c>[a b c d]</c> → <c>[c b | a b c d | c b]</c>); torch's default.</summary>
    Reflect,
    /// <summary>Zeros; librosa's default since 0.9.</summary>
    Constant,
    /// <summary>Repeat the edge sample.</summary>
    Replicate,
    /// <summary>Wrap around.</summary>
    Circular,
}

/// <summary>How the inverse STFT treats samples where the summed squared window is (near) zero.</summary>
public enum IstftEnvelope
{
    /// <summary><c>torch.istft</c>: raise (NOLA violated) if the envelope is below 1e-11 anywhere in the output.</summary>
    Torch,
    /// <summary><c>librosa.istft</c>: divide only where the envelope exceeds the smallest normal float; leave other samples undivided.</summary>
    Librosa,
}

/// <summary>
/// Short-time Fourier transform and its inverse, exactly as <c>torch.stft</c>/<c>torch.istft</c> (torch 1.13) define
/// them — and, with <see cref="Librosa"/>, as <c>librosa.stft</c>/<c>librosa.istft</c> (0.11).
/// Forward: <c>X[k, m] = scale·Σ_n w[n]·x_p[m·hop + n]·e^{−2πi·kn/n_fft}</c>, <c>k = 0..n_fft/2</c> (one-sided), where
/// <c>x_p</c> is the signal padded by <c>n_fft/2</c> on both sides when <see cref="Center"/>, <c>w</c> the window
/// zero-padded (centred) to <c>n_fft</c>, and <c>scale = 1/sqrt(n_fft)</c> when <see cref="Normalized"/>.
/// Inverse: windowed inverse real FFTs overlap-added and divided by the overlap-added squared window.
/// Instances are immutable and thread-safe.
/// </summary>
public sealed class Stft
{
    private readonly double[] _window;
    private float[]? _windowF;

    /// <summary>Creates a transform (torch argument names and defaults).</summary>
    /// <param name="nFft">FFT size (≥ 1; any length).</param>
    /// <param name="hopLength">Hop; default <c>nFft/4</c> (torch) — pass it explicitly for librosa's <c>winLength/4</c>.</param>
    /// <param name="winLength">Window length (≤ nFft); default nFft.</param>
    /// <param name="window">Window of <paramref name="winLength"/> samples; null for all ones (torch's <c>window=None</c>).</param>
    /// <param name="center">Pad <c>nFft/2</c> on both sides so frame m is centred at <c>m·hop</c>.</param>
    /// <param name="padMode">Padding when centred.</param>
    /// <param name="normalized">Scale the forward transform by <c>1/sqrt(nFft)</c> (and undo it in the inverse).</param>
    /// <param name="envelope">How the inverse handles a vanishing window envelope.</param>
    public Stft(int nFft, int? hopLength = null, int? winLength = null, double[]? window = null, bool center = true,
        PadMode padMode = PadMode.Reflect, bool normalized = false, IstftEnvelope envelope = IstftEnvelope.Torch)
    {
        if (nFft < 1) throw new ArgumentOutOfRangeException(nameof(nFft), nFft, "n_fft must be positive.");
        int hop = hopLength ?? nFft / 4;
        if (hop < 1) throw new ArgumentOutOfRangeException(nameof(hopLength), hop, "The hop length must be positive.");
        int win = winLength ?? nFft;
        if (win < 1 || win > nFft) throw new ArgumentOutOfRangeException(nameof(winLength), win, $"The window length must be in [1, n_fft = {nFft}].");
        if (window is not null && window.Length != win)
            throw new ArgumentException($"The window has {window.Length} samples; win_length is {win}.", nameof(window));
        NFft = nFft;
        HopLength = hop;
        WinLength = win;
        Center = center;
        PadMode = padMode;
        Normalized = normalized;
        Envelope = envelope;
        _window = new double[nFft];
        int left = (nFft - win) / 2;
        for (int i = 0; i < win; i++) _window[left + i] = window?[i] ?? 1.0;
    }

    /// <summary>
    /// librosa 0.11 conventions: window by name from <see cref="Window.ByName"/> (periodic, default <c>hann</c>),
    /// <c>hop = winLength/4</c>, zero padding by default, inverse dividing only where the envelope is non-negligible.
    /// </summary>
    public static Stft Librosa(int nFft = 2048, int? hopLength = null, int? winLength = null, string window = "hann",
        bool center = true, PadMode padMode = PadMode.Constant)
    {
        int win = winLength ?? nFft;
        return new Stft(nFft, hopLength ?? win / 4, win, Window.ByName(window, win), center, padMode, false, IstftEnvelope.Librosa);
    }

    /// <summary>FFT size.</summary>
    public int NFft { get; }

    /// <summary>Hop between frames.</summary>
    public int HopLength { get; }

    /// <summary>Window length before zero padding to <see cref="NFft"/>.</summary>
    public int WinLength { get; }

    /// <summary>Whether frames are centred (signal padded by <c>NFft/2</c>).</summary>
    public bool Center { get; }

    /// <summary>Padding used when centred.</summary>
    public PadMode PadMode { get; }

    /// <summary>Whether the forward transform is scaled by <c>1/sqrt(NFft)</c>.</summary>
    public bool Normalized { get; }

    /// <summary>Inverse envelope rule.</summary>
    public IstftEnvelope Envelope { get; }

    /// <summary>Number of one-sided bins, <c>NFft/2 + 1</c>.</summary>
    public int Bins => NFft / 2 + 1;

    /// <summary>The window zero-padded (centred) to <see cref="NFft"/>.</summary>
    public ReadOnlySpan<double> PaddedWindow => _window;

    private ReadOnlySpan<T> WindowAs<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return System.Runtime.InteropServices.MemoryMarshal.Cast<double, T>(_window);
        _windowF ??= Window.ToSingle(_window);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<float, T>(_windowF);
    }

    /// <summary>Number of frames for a signal of <paramref name="length"/> samples.</summary>
    /// <exception cref="ArgumentException">The (padded) signal is shorter than one frame.</exception>
    public int FrameCount(int length)
    {
        long padded = Center ? length + 2L * (NFft / 2) : length;
        if (padded < NFft)
            throw new ArgumentException($"A signal of {length} samples{(Center ? " (padded)" : "")} is shorter than n_fft = {NFft}.", nameof(length));
        return checked((int)(1 + (padded - NFft) / HopLength));
    }

    /// <summary>Forward STFT of a float signal.</summary>
    public Spectrogram<float> Forward(ReadOnlySpan<float> signal) => ForwardCore(signal);

    /// <summary>Forward STFT of a double signal.</summary>
    public Spectrogram<double> Forward(ReadOnlySpan<double> signal) => ForwardCore(signal);

    /// <summary>Forward STFT into caller-provided split arrays <c>[Bins, FrameCount(signal.Length)]</c> (allocation-free).</summary>
    public void Forward(ReadOnlySpan<float> signal, Span<float> real, Span<float> imag) => ForwardInto(signal, real, imag);

    /// <summary>Forward STFT into caller-provided split arrays (double).</summary>
    public void Forward(ReadOnlySpan<double> signal, Span<double> real, Span<double> imag) => ForwardInto(signal, real, imag);

    private Spectrogram<T> ForwardCore<T>(ReadOnlySpan<T> signal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = new Spectrogram<T>(Bins, FrameCount(signal.Length));
        ForwardInto(signal, s.Real, s.Imag);
        return s;
    }

    private T Padded<T>(ReadOnlySpan<T> x, long i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = x.Length;
        if (i >= 0 && i < n) return x[(int)i];
        switch (PadMode)
        {
            case PadMode.Constant: return T.Zero;
            case PadMode.Replicate: return i < 0 ? x[0] : x[(int)(n - 1)];
            case PadMode.Circular: return x[(int)(((i % n) + n) % n)];
            default:
                if (n == 1) return x[0];
                long period = 2 * (n - 1);
                long j = ((i % period) + period) % period;
                return x[(int)(j < n ? j : period - j)];
        }
    }

    private void ForwardInto<T>(ReadOnlySpan<T> x, Span<T> real, Span<T> imag) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int frames = FrameCount(x.Length), bins = Bins, n = NFft, pad = Center ? NFft / 2 : 0;
        if (Center && PadMode == PadMode.Reflect && pad >= x.Length)
            throw new ArgumentException($"Reflect padding by {pad} needs a signal longer than {pad} samples (got {x.Length}); use PadMode.Constant or a shorter n_fft.", nameof(x));
        if (Center && PadMode is PadMode.Replicate or PadMode.Circular && x.Length == 0)
            throw new ArgumentException("Cannot pad an empty signal.", nameof(x));
        long need = (long)bins * frames;
        if (real.Length < need || imag.Length < need)
            throw new ArgumentException($"Output spans must hold {bins}×{frames} = {need} values.");
        var w = WindowAs<T>();
        var plan = RealFftPlan<T>.Get(n);
        T scale = Normalized ? T.One / T.Sqrt(T.CreateChecked(n)) : T.One;
        // frames are processed in blocks so that the frequency-major output is written row by row (cache friendly)
        const int Block = 16;
        var frameBuf = ArrayPool<T>.Shared.Rent(n);
        var specBuf = ArrayPool<T>.Shared.Rent(2 * bins * Block);
        try
        {
            var frame = frameBuf.AsSpan(0, n);
            for (int m0 = 0; m0 < frames; m0 += Block)
            {
                int nb = Math.Min(Block, frames - m0);
                for (int b = 0; b < nb; b++)
                {
                    long start = (long)(m0 + b) * HopLength - pad;
                    if (start >= 0 && start + n <= x.Length)
                        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Slice((int)start, n), w, frame);
                    else
                        for (int i = 0; i < n; i++) frame[i] = w[i] * Padded(x, start + i);
                    plan.Forward(frame, specBuf.AsSpan(2 * bins * b, 2 * bins));
                }
                for (int k = 0; k < bins; k++)
                {
                    var re = real.Slice(k * frames + m0, nb);
                    var im = imag.Slice(k * frames + m0, nb);
                    for (int b = 0; b < nb; b++)
                    {
                        re[b] = specBuf[2 * bins * b + 2 * k] * scale;
                        im[b] = specBuf[2 * bins * b + 2 * k + 1] * scale;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(frameBuf);
            ArrayPool<T>.Shared.Return(specBuf);
        }
    }

    /// <summary>Length of the inverse output when no length is requested.</summary>
    public int DefaultOutputLength(int frames)
    {
        int len = NFft + HopLength * (frames - 1);
        return Center ? len - 2 * (NFft / 2) : len;
    }

    /// <summary>Inverse STFT (float). <paramref name="length"/> trims or zero-pads the output (torch/librosa <c>length</c>).</summary>
    /// <exception cref="ArgumentException">NOLA violated (<see cref="IstftEnvelope.Torch"/>) or wrong shapes.</exception>
    public float[] Inverse(Spectrogram<float> spectrogram, int? length = null)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        return InverseCore<float>(spectrogram.Real, spectrogram.Imag, spectrogram.Bins, spectrogram.Frames, length);
    }

    /// <summary>Inverse STFT (double).</summary>
    public double[] Inverse(Spectrogram<double> spectrogram, int? length = null)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        return InverseCore<double>(spectrogram.Real, spectrogram.Imag, spectrogram.Bins, spectrogram.Frames, length);
    }

    /// <summary>Inverse STFT from split arrays <c>[Bins, frames]</c> into <paramref name="output"/> (its length is the requested length).</summary>
    public void Inverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imag, int frames, Span<float> output) =>
        InverseInto(real, imag, Bins, frames, output);

    /// <summary>Inverse STFT from split arrays (double).</summary>
    public void Inverse(ReadOnlySpan<double> real, ReadOnlySpan<double> imag, int frames, Span<double> output) =>
        InverseInto(real, imag, Bins, frames, output);

    private T[] InverseCore<T>(ReadOnlySpan<T> real, ReadOnlySpan<T> imag, int bins, int frames, int? length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (frames < 1) throw new ArgumentException("The spectrogram has no frames.");
        int len = length ?? DefaultOutputLength(frames);
        if (len < 0) throw new ArgumentOutOfRangeException(nameof(length), len, "The output length cannot be negative.");
        var y = new T[len];
        InverseInto(real, imag, bins, frames, y);
        return y;
    }

    private void InverseInto<T>(ReadOnlySpan<T> real, ReadOnlySpan<T> imag, int bins, int frames, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (bins != Bins) throw new ArgumentException($"The spectrogram has {bins} bins; n_fft = {NFft} needs {Bins}.");
        if (frames < 1) throw new ArgumentException("The spectrogram has no frames.");
        long need = (long)bins * frames;
        if (real.Length < need || imag.Length < need) throw new ArgumentException($"Spectrogram arrays must hold {bins}×{frames} = {need} values.");
        int n = NFft, hop = HopLength;
        int olaLen = n + hop * (frames - 1);
        int start = Center ? n / 2 : 0;
        int end = start + output.Length;
        var w = WindowAs<T>();
        var plan = RealFftPlan<T>.Get(n);
        T scale = Normalized ? T.Sqrt(T.CreateChecked(n)) : T.One;
        int stop = Math.Min(end, olaLen);
        // only frames touching [start, stop) matter
        const int Block = 16;
        var specBuf = ArrayPool<T>.Shared.Rent(2 * bins * Block);
        var frameBuf = ArrayPool<T>.Shared.Rent(n);
        var envBuf = ArrayPool<T>.Shared.Rent(Math.Max(1, output.Length));
        try
        {
            var frame = frameBuf.AsSpan(0, n);
            var env = envBuf.AsSpan(0, output.Length);
            output.Clear();
            env.Clear();
            // frames touching [start, stop)
            int mFirst = Math.Max(0, (start - n) / hop), mLast = Math.Min(frames - 1, (stop - 1) / hop);
            for (int m0 = mFirst; m0 <= mLast; m0 += Block)
            {
                int nb = Math.Min(Block, mLast + 1 - m0);
                for (int k = 0; k < bins; k++)
                {
                    var re = real.Slice(k * frames + m0, nb);
                    var im = imag.Slice(k * frames + m0, nb);
                    for (int b = 0; b < nb; b++)
                    {
                        specBuf[2 * bins * b + 2 * k] = re[b] * scale;
                        specBuf[2 * bins * b + 2 * k + 1] = im[b] * scale;
                    }
                }
                for (int b = 0; b < nb; b++)
                {
                    int f0 = (m0 + b) * hop;
                    if (f0 >= stop || f0 + n <= start) continue;
                    plan.Inverse(specBuf.AsSpan(2 * bins * b, 2 * bins), frame);
                    int a = Math.Max(f0, start), e = Math.Min(f0 + n, stop);
                    var o = output.Slice(a - start, e - a);
                    var ev = env.Slice(a - start, e - a);
                    var fr = frame.Slice(a - f0, e - a);
                    var wv = w.Slice(a - f0, e - a);
                    for (int t = 0; t < o.Length; t++)
                    {
                        T wi = wv[t];
                        o[t] += fr[t] * wi;
                        ev[t] += wi * wi;
                    }
                }
            }
            int valid = Math.Max(0, stop - start);
            if (Envelope == IstftEnvelope.Torch)
            {
                T tol = T.CreateChecked(1e-11);
                for (int i = 0; i < valid; i++)
                    if (T.Abs(env[i]) < tol)
                        throw new ArgumentException(
                            $"istft: the window overlap-add is {double.CreateChecked(env[i]):G3} at output sample {i} (below 1e-11), so the " +
                            "signal cannot be recovered there (NOLA condition violated). Use a window without zeros at that position, " +
                            "center=true, a smaller hop, or a length inside the frames' support.");
                for (int i = 0; i < valid; i++) output[i] /= env[i];
            }
            else
            {
                T tiny = typeof(T) == typeof(float) ? T.CreateChecked(1.1754943508222875e-38) : T.CreateChecked(2.2250738585072014e-308);
                for (int i = 0; i < valid; i++)
                    if (env[i] > tiny) output[i] /= env[i];
            }
            // samples past the overlap-added length stay zero
        }
        finally
        {
            ArrayPool<T>.Shared.Return(specBuf);
            ArrayPool<T>.Shared.Return(frameBuf);
            ArrayPool<T>.Shared.Return(envBuf);
        }
    }
}
