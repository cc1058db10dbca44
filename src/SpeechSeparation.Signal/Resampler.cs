using System.Numerics;

namespace SpeechSeparation.Signal;

/// <summary>How a resampler extends the signal beyond its ends.</summary>
public enum ResamplerEdge
{
    /// <summary>Zeros (scipy <c>resample_poly</c> <c>padtype='constant'</c>, torchaudio).</summary>
    Zeros,
    /// <summary>Repeat the first/last sample (julius).</summary>
    Replicate,
}

/// <summary>Window of the torchaudio-style sinc interpolation kernel.</summary>
public enum SincWindow
{
    /// <summary><c>cos(π·t/(2·width))²</c> (torchaudio <c>sinc_interpolation</c>/<c>sinc_interp_hann</c>).</summary>
    Hann,
    /// <summary>Kaiser, <c>I0(β·sqrt(1 − (t/width)²))/I0(β)</c> (torchaudio <c>kaiser_window</c>/<c>sinc_interp_kaiser</c>).</summary>
    Kaiser,
}

/// <summary>
/// Rational-ratio FIR resampler. Every design is a bank of <see cref="Phases"/> kernels of <see cref="KernelLength"/>
/// taps: output <c>o = q·Phases + r</c> is the dot product of kernel <c>r</c> with input samples
/// <c>[start_r + q·Stride, … + KernelLength)</c>, the input being extended with zeros or edge copies.
/// Factories:
/// <list type="bullet">
/// <item><see cref="ResamplePoly(int, int, double)"/> — equal to <c>scipy.signal.resample_poly</c> (Kaiser-windowed sinc,
/// linear phase, no delay): the recommended default.</item>
/// <item><see cref="ResamplePoly(int, int, ReadOnlySpan{double})"/> — <c>resample_poly</c> with a custom window array
/// (e.g. pystoi's <see cref="OctaveWindow"/>).</item>
/// <item><see cref="TorchAudio"/> — <c>torchaudio.functional.resample</c> (0.13; Hann or Kaiser windowed sinc).</item>
/// <item><see cref="Julius"/> — <c>julius.resample_frac</c>.</item>
/// </list>
/// A resampler is immutable and thread-safe; <see cref="CreateStream{T}"/> gives a stateful streaming form whose
/// output, block by block, is identical to the one-shot <see cref="Process(ReadOnlySpan{float})"/>.
/// </summary>
public sealed class Resampler
{
    private readonly double[] _kernels;
    private float[]? _kernelsF;
    private readonly int[] _starts;
    private readonly Func<long, long> _outputLength;

    private Resampler(int phases, int stride, int kernelLength, double[] kernels, int[] starts, ResamplerEdge edge,
        Func<long, long> outputLength, int inputRate, int outputRate, double[]? filter)
    {
        Phases = phases;
        Stride = stride;
        KernelLength = kernelLength;
        _kernels = kernels;
        _starts = starts;
        Edge = edge;
        _outputLength = outputLength;
        InputRateFactor = inputRate;
        OutputRateFactor = outputRate;
        Filter = filter;
    }

    /// <summary>Number of output phases (the reduced output rate factor).</summary>
    public int Phases { get; }

    /// <summary>Input samples advanced per <see cref="Phases"/> outputs (the reduced input rate factor).</summary>
    public int Stride { get; }

    /// <summary>Taps per phase kernel.</summary>
    public int KernelLength { get; }

    /// <summary>How the input is extended beyond its ends.</summary>
    public ResamplerEdge Edge { get; }

    /// <summary>Reduced input rate factor (<c>down</c>).</summary>
    public int InputRateFactor { get; }

    /// <summary>Reduced output rate factor (<c>up</c>).</summary>
    public int OutputRateFactor { get; }

    /// <summary>For <c>resample_poly</c> designs: the low-pass FIR taps before the <c>·up</c> gain (<c>firwin</c> output); otherwise null.</summary>
    public double[]? Filter { get; }

    /// <summary>Number of output samples for an input of <paramref name="inputLength"/> samples.</summary>
    public long OutputLength(long inputLength) => inputLength <= 0 ? 0 : _outputLength(inputLength);

    /// <summary>Kernel of output phase <paramref name="phase"/>, applied to input samples in increasing time order
    /// (for torchaudio/julius designs this is row <c>phase</c> of their kernel matrix).</summary>
    public double[] Kernel(int phase)
    {
        if ((uint)phase >= (uint)Phases) throw new ArgumentOutOfRangeException(nameof(phase), phase, $"The resampler has {Phases} phases.");
        return _kernels.AsSpan(phase * KernelLength, KernelLength).ToArray();
    }

    internal int Start(int phase) => _starts[phase];

    internal ReadOnlySpan<T> Kernels<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return System.Runtime.InteropServices.MemoryMarshal.Cast<double, T>(_kernels);
        _kernelsF ??= Window.ToSingle(_kernels);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<float, T>(_kernelsF);
    }

    /// <summary>The default high-quality resampler between two rates: <see cref="ResamplePoly(int, int, double)"/> with the reduced ratio.</summary>
    public static Resampler Create(int inputRate, int outputRate)
    {
        if (inputRate < 1) throw new ArgumentOutOfRangeException(nameof(inputRate), inputRate, "Sample rates must be positive.");
        if (outputRate < 1) throw new ArgumentOutOfRangeException(nameof(outputRate), outputRate, "Sample rates must be positive.");
        return ResamplePoly(outputRate, inputRate);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static double Sinc(double v) => v == 0 ? 1 : Math.Sin(Math.PI * v) / (Math.PI * v);

    /// <summary>
    /// <c>scipy.signal.resample_poly(x, up, down)</c> with the default <c>window=('kaiser', β)</c> and zero padding:
    /// a <c>20·max(up, down) + 1</c>-tap Kaiser-windowed sinc low-pass at <c>1/max(up, down)</c> of Nyquist, unit DC gain,
    /// output length <c>ceil(n·up/down)</c>.
    /// </summary>
    public static Resampler ResamplePoly(int up, int down, double beta = 5.0)
    {
        CheckFactors(up, down);
        int g = Gcd(up, down);
        up /= g; down /= g;
        int r = Math.Max(up, down);
        int halfLen = 10 * r, m = 2 * halfLen + 1;
        double fc = 1.0 / r;
        var win = Window.Kaiser(m, beta);
        var h = new double[m];
        double sum = 0;
        for (int i = 0; i < m; i++) { h[i] = fc * Sinc(fc * (i - halfLen)) * win[i]; sum += h[i]; }
        for (int i = 0; i < m; i++) h[i] /= sum;
        return FromPolyFilter(up, down, h, halfLen, h);
    }

    /// <summary>
    /// <c>scipy.signal.resample_poly(x, up, down, window=window)</c> with a custom FIR (<c>window</c> is used as the
    /// filter, multiplied by the reduced <c>up</c>; its centre is <c>(len − 1)/2</c>).
    /// </summary>
    public static Resampler ResamplePoly(int up, int down, ReadOnlySpan<double> window)
    {
        CheckFactors(up, down);
        if (window.Length < 1) throw new ArgumentException("The filter window is empty.", nameof(window));
        int g = Gcd(up, down);
        up /= g; down /= g;
        var h = window.ToArray();
        return FromPolyFilter(up, down, h, (h.Length - 1) / 2, null);
    }

    private static void CheckFactors(int up, int down)
    {
        if (up < 1) throw new ArgumentOutOfRangeException(nameof(up), up, "The up factor must be positive.");
        if (down < 1) throw new ArgumentOutOfRangeException(nameof(down), down, "The down factor must be positive.");
    }

    private static Resampler FromPolyFilter(int up, int down, double[] h, int halfLen, double[]? filter)
    {
        int m = h.Length;
        if (up == 1 && down == 1)
            return new Resampler(1, 1, 1, [1.0], [0], ResamplerEdge.Zeros, n => n, 1, 1, filter);
        int k = (m + up - 1) / up;
        int pre = down - halfLen % down;
        long preRemove = (halfLen + pre) / down;
        var kernels = new double[up * k];
        var starts = new int[up];
        for (int r = 0; r < up; r++)
        {
            long c = (preRemove + r) * down - pre;
            long ph = ((c % up) + up) % up;
            long j0 = (c - ph) / up;
            starts[r] = checked((int)(j0 - k + 1));
            for (int t = 0; t < k; t++)
            {
                long idx = ph + (long)up * (k - 1 - t);
                kernels[r * k + t] = idx < m ? h[idx] * up : 0.0;
            }
        }
        long uu = up, dd = down;
        return new Resampler(up, down, k, kernels, starts, ResamplerEdge.Zeros, n => (n * uu + dd - 1) / dd, down, up, filter);
    }

    /// <summary>
    /// pystoi's Octave-compatible resampling filter for <c>resample_oct(x, p, q)</c> (unnormalised; the resampler
    /// normalises it to unit sum): Kaiser-windowed (β = 5.65326) ideal low-pass with cutoff <c>1/(2·max(p, q))</c>,
    /// 60 dB rejection, half length <c>ceil(52 / (28.714·Δ))</c>, Δ = cutoff/10 (p, q reduced by their gcd).
    /// </summary>
    public static double[] OctaveWindow(int p, int q)
    {
        CheckFactors(p, q);
        int g = Gcd(p, q);
        p /= g; q /= g;
        const double rejection = 60.0;
        double fc = 1.0 / (2.0 * Math.Max(p, q));
        double delta = fc / 10.0;
        int l = (int)Math.Ceiling((rejection - 8) / (28.714 * delta));
        double beta = 0.1102 * (rejection - 8.7);
        var kw = Window.Kaiser(2 * l + 1, beta);
        var h = new double[2 * l + 1];
        for (int t = -l; t <= l; t++) h[t + l] = 2 * p * fc * Sinc(2 * fc * t) * kw[t + l];
        return h;
    }

    /// <summary>
    /// pystoi's <c>resample_oct(x, outputRate, inputRate)</c>: <see cref="ResamplePoly(int, int, ReadOnlySpan{double})"/>
    /// with the normalised <see cref="OctaveWindow"/>.
    /// </summary>
    public static Resampler Octave(int inputRate, int outputRate)
    {
        var h = OctaveWindow(outputRate, inputRate);
        double s = 0;
        foreach (var v in h) s += v;
        for (int i = 0; i < h.Length; i++) h[i] /= s;
        return ResamplePoly(outputRate, inputRate, h);
    }

    /// <summary>
    /// <c>torchaudio.functional.resample(x, orig_freq, new_freq, lowpass_filter_width, rolloff, method, beta)</c> (0.13):
    /// band-limited sinc interpolation with a Hann (<c>sinc_interpolation</c>) or Kaiser window, zero padding, output
    /// length <c>ceil(new·n/orig)</c>. "kaiser_best" = width 64, rolloff 0.9475937167399596, Kaiser β 14.769656459379492.
    /// </summary>
    public static Resampler TorchAudio(int inputRate, int outputRate, int lowpassFilterWidth = 6, double rolloff = 0.99,
        SincWindow window = SincWindow.Hann, double? beta = null)
    {
        CheckFactors(inputRate, outputRate);
        if (lowpassFilterWidth < 1) throw new ArgumentOutOfRangeException(nameof(lowpassFilterWidth), lowpassFilterWidth, "The filter width must be positive.");
        if (!(rolloff > 0 && rolloff <= 1)) throw new ArgumentOutOfRangeException(nameof(rolloff), rolloff, "Rolloff must be in (0, 1].");
        int g = Gcd(inputRate, outputRate);
        int orig = inputRate / g, nw = outputRate / g;
        double b = beta ?? 14.769656459379492;
        double baseFreq = Math.Min(orig, nw) * rolloff;
        int width = (int)Math.Ceiling(lowpassFilterWidth * orig / baseFreq);
        int k = 2 * width + orig;
        var kernels = new double[nw * k];
        double lpw = lowpassFilterWidth, scale = baseFreq / orig, i0b = Window.BesselI0(b);
        for (int i = 0; i < nw; i++)
            for (int t = 0; t < k; t++)
            {
                double tt = ((double)(t - width) / orig + (double)-i / nw) * baseFreq;
                tt = Math.Clamp(tt, -lpw, lpw);
                double w = window == SincWindow.Hann
                    ? Math.Pow(Math.Cos(tt * Math.PI / lpw / 2), 2)
                    : Window.BesselI0(b * Math.Sqrt(Math.Max(0, 1 - (tt / lpw) * (tt / lpw)))) / i0b;
                tt *= Math.PI;
                double s = tt == 0 ? 1.0 : Math.Sin(tt) / tt;
                kernels[i * k + t] = s * w * scale;
            }
        var starts = new int[nw];
        Array.Fill(starts, -width);
        long o = orig, nn = nw;
        return new Resampler(nw, orig, k, kernels, starts, ResamplerEdge.Zeros, n => (nn * n + o - 1) / o, orig, nw, null);
    }

    /// <summary>
    /// <c>julius.resample_frac(x, old_sr, new_sr, zeros, rolloff)</c>: Hann-windowed sinc with each phase normalised to
    /// unit sum, edge replication, output length <c>floor(new·n/old)</c> (<c>ceil</c> with <paramref name="full"/>; an explicit
    /// julius <c>output_length</c> is a prefix of the full output). The kernel is computed in float32 as julius does.
    /// </summary>
    public static Resampler Julius(int inputRate, int outputRate, int zeros = 24, double rolloff = 0.945, bool full = false)
    {
        CheckFactors(inputRate, outputRate);
        if (zeros < 1) throw new ArgumentOutOfRangeException(nameof(zeros), zeros, "The number of zero crossings must be positive.");
        int g = Gcd(inputRate, outputRate);
        int old = inputRate / g, nw = outputRate / g;
        double sr = Math.Min(old, nw) * rolloff;
        int width = (int)Math.Ceiling(zeros * old / sr);
        int k = 2 * width + old;
        // julius builds the kernel in float32 (torch.arange(...).float()); reproduce that arithmetic, then widen.
        var kernels = new double[nw * k];
        var row = new float[k];
        float srF = (float)sr, piF = (float)Math.PI, oldF = old, zerosF = zeros;
        for (int i = 0; i < nw; i++)
        {
            float shift = (float)(-(double)i / nw);
            double sum = 0;
            for (int t = 0; t < k; t++)
            {
                float tt = (shift + (float)(t - width) / oldF) * srF;
                tt = Math.Clamp(tt, -zerosF, zerosF);
                tt *= piF;
                float c = MathF.Cos(tt / zerosF / 2f);
                float w = c * c;
                float v = (tt == 0f ? 1f : MathF.Sin(tt) / tt) * w;
                row[t] = v;
                sum += v;
            }
            float sumF = (float)sum;
            for (int t = 0; t < k; t++) kernels[i * k + t] = row[t] / sumF;
        }
        var starts = new int[nw];
        Array.Fill(starts, -width);
        long o = old, nn = nw;
        Func<long, long> len = full ? n => (nn * n + o - 1) / o : n => nn * n / o;
        return new Resampler(nw, old, k, kernels, starts, ResamplerEdge.Replicate, len, old, nw, null);
    }

    /// <summary>Resamples a whole float signal.</summary>
    public float[] Process(ReadOnlySpan<float> input) => ProcessCore(input);

    /// <summary>Resamples a whole double signal.</summary>
    public double[] Process(ReadOnlySpan<double> input) => ProcessCore(input);

    /// <summary>Resamples every channel of a buffer; the new sample rate is <c>SampleRate·up/down</c> (must be an integer).</summary>
    public AudioBuffer Process(AudioBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        long rate = (long)buffer.SampleRate * OutputRateFactor;
        if (rate % InputRateFactor != 0)
            throw new ArgumentException($"{buffer.SampleRate} Hz × {OutputRateFactor}/{InputRateFactor} is not a whole sample rate.", nameof(buffer));
        int outLen = checked((int)OutputLength(buffer.Frames));
        var result = new AudioBuffer(buffer.Channels, outLen, (int)(rate / InputRateFactor));
        for (int c = 0; c < buffer.Channels; c++)
        {
            var y = ProcessCore<float>(buffer.Channel(c));
            y.CopyTo(result.Channel(c));
        }
        return result;
    }

    private T[] ProcessCore<T>(ReadOnlySpan<T> input) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var stream = new StreamingResampler<T>(this, input.Length);
        var y = new T[checked((int)OutputLength(input.Length))];
        int n = stream.Process(input, y);
        n += stream.Flush(y.AsSpan(n));
        if (n != y.Length) throw new InvalidOperationException($"Resampler produced {n} samples, expected {y.Length}.");
        return y;
    }

    /// <summary>A streaming resampler (state per signal) with the same output as the one-shot methods.</summary>
    public StreamingResampler<T> CreateStream<T>() where T : unmanaged, IFloatingPointIeee754<T> => new(this, 0);
}
