namespace SpeechSeparation.Signal;

/// <summary>
/// Options of <see cref="KaldiFbank"/>, with the names and defaults of <c>torchaudio.compliance.kaldi.fbank</c> (which
/// follows Kaldi's <c>compute-fbank-feats</c>, except that its dither defaults to 0 where Kaldi's is 1).
/// </summary>
public sealed record KaldiFbankOptions
{
    /// <summary>Sample rate of the waveform, Hz.</summary>
    public double SampleFrequency { get; init; } = 16000;

    /// <summary>Frame length, milliseconds. The frame holds <c>(int)(SampleFrequency · FrameLength · 0.001)</c> samples.</summary>
    public double FrameLength { get; init; } = 25.0;

    /// <summary>Frame shift, milliseconds (<c>(int)(SampleFrequency · FrameShift · 0.001)</c> samples).</summary>
    public double FrameShift { get; init; } = 10.0;

    /// <summary>Number of triangular mel bins (at least 3).</summary>
    public int NumMelBins { get; init; } = 23;

    /// <summary>Window: <c>hamming</c>, <c>hanning</c>, <c>povey</c>, <c>rectangular</c> or <c>blackman</c> (all symmetric, as Kaldi).</summary>
    public string WindowType { get; init; } = "povey";

    /// <summary>Blackman window coefficient.</summary>
    public double BlackmanCoeff { get; init; } = 0.42;

    /// <summary>
    /// Standard deviation of the Gaussian noise added to every frame sample before anything else (0 = none, the
    /// deterministic choice; Kaldi and ClearerVoice use 1, i.e. one LSB of 16-bit audio at ×32768 scale). Overlapping
    /// frames get independent noise. Drawn from <see cref="DitherSeed"/>'s generator, so results are reproducible for a
    /// given seed but never equal to upstream's (torch's generator).
    /// </summary>
    public double Dither { get; init; }

    /// <summary>Seed of the dither generator (null: a random seed).</summary>
    public int? DitherSeed { get; init; }

    /// <summary>Pre-emphasis inside each frame: <c>v[j] −= coeff·v[j−1]</c>, <c>v[0] −= coeff·v[0]</c>.</summary>
    public double PreemphasisCoefficient { get; init; } = 0.97;

    /// <summary>Subtract each frame's mean before pre-emphasis.</summary>
    public bool RemoveDcOffset { get; init; } = true;

    /// <summary>Zero-pad each frame to the next power of two before the FFT (else the FFT has the frame's length).</summary>
    public bool RoundToPowerOfTwo { get; init; } = true;

    /// <summary>
    /// True: only frames that fit entirely, <c>1 + (T − frame)/shift</c> of them (none when T &lt; frame). False: Kaldi's
    /// <c>(T + shift/2)/shift</c> frames centred on <c>m·shift + shift/2</c>, the signal reflected at both ends.
    /// </summary>
    public bool SnipEdges { get; init; } = true;

    /// <summary>Energy before pre-emphasis and windowing (else after).</summary>
    public bool RawEnergy { get; init; } = true;

    /// <summary>Floor of the energy (the log energy is at least <c>ln EnergyFloor</c> when it is not 0).</summary>
    public double EnergyFloor { get; init; } = 1.0;

    /// <summary>Add the log-energy column (first, or last with <see cref="HtkCompat"/>).</summary>
    public bool UseEnergy { get; init; }

    /// <summary>Natural log of the mel energies, floored at float32 machine epsilon (1.1920929e-07).</summary>
    public bool UseLogFbank { get; init; } = true;

    /// <summary>Power spectrum (else magnitude).</summary>
    public bool UsePower { get; init; } = true;

    /// <summary>Lowest frequency of the mel bins, Hz.</summary>
    public double LowFreq { get; init; } = 20;

    /// <summary>Highest frequency of the mel bins, Hz; 0 or negative is relative to Nyquist (0 = Nyquist).</summary>
    public double HighFreq { get; init; }

    /// <summary>Put the energy column last (HTK order).</summary>
    public bool HtkCompat { get; init; }

    /// <summary>Subtract every feature's mean over the frames.</summary>
    public bool SubtractMean { get; init; }

    /// <summary>VTLN warp factor; only 1 (no warping) is supported.</summary>
    public double VtlnWarp { get; init; } = 1.0;
}

/// <summary>
/// Kaldi-compatible log mel filterbank features, equal to <c>torchaudio.compliance.kaldi.fbank</c> (any rate, frame,
/// mel count; computed in double precision). Per frame: dither, DC removal, (raw energy), pre-emphasis, window, zero-pad
/// to the FFT size, power spectrum, triangular mel filters on the <c>1127·ln(1 + f/700)</c> scale, log floored at float32
/// epsilon. Plus Kaldi/torchaudio deltas (<see cref="Deltas(ReadOnlySpan{double}, int, int, int)"/>). Instances are
/// immutable and thread-safe except for the dither generator (use one instance per thread when dithering).
/// </summary>
public sealed class KaldiFbank
{
    /// <summary>The log floor: float32 machine epsilon (torchaudio's <c>EPSILON</c>), also in double precision.</summary>
    public const double LogFloor = 1.1920928955078125e-07;

    private readonly double[] _window;
    private readonly double[] _melBanks;       // [NumMelBins, FftBins] row-major, last column (Nyquist) zero
    private readonly int[] _melFirst, _melCount; // non-zero range of each bin's row
    private readonly Random? _random;

    /// <summary>Creates the extractor.</summary>
    /// <exception cref="ArgumentException">Inconsistent options (frame shorter than 2 samples, shift below 1, fewer than 3
    /// mel bins, frequencies outside (0, Nyquist], unknown window, VTLN warping).</exception>
    public KaldiFbank(KaldiFbankOptions? options = null)
    {
        Options = options ??= new KaldiFbankOptions();
        double sr = options.SampleFrequency;
        if (!(sr > 0)) throw new ArgumentException($"SampleFrequency must be positive, got {sr}.", nameof(options));
        WindowSize = (int)(sr * options.FrameLength * 0.001);
        WindowShift = (int)(sr * options.FrameShift * 0.001);
        if (WindowSize < 2) throw new ArgumentException($"The frame holds {WindowSize} samples ({options.FrameLength} ms at {sr} Hz); at least 2 are needed.", nameof(options));
        if (WindowShift < 1) throw new ArgumentException($"The frame shift is {WindowShift} samples ({options.FrameShift} ms at {sr} Hz); at least 1 is needed.", nameof(options));
        PaddedWindowSize = options.RoundToPowerOfTwo ? (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)WindowSize) : WindowSize;
        if (options.NumMelBins < 3) throw new ArgumentException($"NumMelBins must be at least 3, got {options.NumMelBins}.", nameof(options));
        if (options.VtlnWarp != 1.0) throw new NotSupportedException($"VTLN warping (VtlnWarp = {options.VtlnWarp}) is not supported; use 1.");
        if (options.Dither < 0) throw new ArgumentException("Dither must be non-negative.", nameof(options));
        _window = MakeWindow(options.WindowType, WindowSize, options.BlackmanCoeff);
        (_melBanks, _melFirst, _melCount) = MakeMelBanks(options.NumMelBins, PaddedWindowSize, sr, options.LowFreq, options.HighFreq);
        if (options.Dither > 0) _random = options.DitherSeed is { } seed ? new Random(seed) : new Random();
    }

    /// <summary>The options.</summary>
    public KaldiFbankOptions Options { get; }

    /// <summary>Frame length in samples.</summary>
    public int WindowSize { get; }

    /// <summary>Frame shift in samples.</summary>
    public int WindowShift { get; }

    /// <summary>FFT size (frame zero-padded to it).</summary>
    public int PaddedWindowSize { get; }

    /// <summary>One-sided FFT bins, <c>PaddedWindowSize/2 + 1</c>.</summary>
    public int FftBins => PaddedWindowSize / 2 + 1;

    /// <summary>Features per frame: the mel bins, plus one with <see cref="KaldiFbankOptions.UseEnergy"/>.</summary>
    public int FeatureCount => Options.NumMelBins + (Options.UseEnergy ? 1 : 0);

    /// <summary>The analysis window (<see cref="WindowSize"/> samples).</summary>
    public ReadOnlySpan<double> Window => _window;

    /// <summary>The mel filterbank [NumMelBins, FftBins] (row-major; the Nyquist column is zero, as torchaudio pads it).</summary>
    public ReadOnlySpan<double> MelBanks => _melBanks;

    /// <summary>Kaldi's mel scale, <c>1127·ln(1 + f/700)</c>.</summary>
    public static double Mel(double hz) => 1127.0 * Math.Log(1.0 + hz / 700.0);

    /// <summary>Number of frames for <paramref name="samples"/> samples (0 when a snip-edges signal is shorter than a frame).</summary>
    public int FrameCount(long samples)
    {
        if (samples <= 0) return 0;
        if (Options.SnipEdges) return samples < WindowSize ? 0 : checked((int)(1 + (samples - WindowSize) / WindowShift));
        return checked((int)((samples + WindowShift / 2) / WindowShift));
    }

    /// <summary>Features [FrameCount, FeatureCount] (row-major) of a waveform (at the scale Kaldi expects: 16-bit sample
    /// values, i.e. ±32768 for full scale). Empty when there is no frame.</summary>
    public float[] Compute(ReadOnlySpan<float> waveform)
    {
        var d = ComputeCore(waveform);
        var r = new float[d.Length];
        for (int i = 0; i < d.Length; i++) r[i] = (float)d[i];
        return r;
    }

    /// <summary>Double-precision features [FrameCount, FeatureCount] (row-major).</summary>
    public double[] Compute(ReadOnlySpan<double> waveform) => ComputeCore(waveform);

    private double[] ComputeCore<T>(ReadOnlySpan<T> x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int frames = FrameCount(x.Length), bins = Options.NumMelBins, feats = FeatureCount, fft = FftBins;
        var result = new double[(long)frames * feats];
        if (frames == 0) return result;
        var frame = new double[PaddedWindowSize];
        var spec = new double[2 * fft];
        var power = new double[fft];
        var plan = RealFftPlan<double>.Get(PaddedWindowSize);
        int melOffset = Options.UseEnergy && !Options.HtkCompat ? 1 : 0;
        for (int m = 0; m < frames; m++)
        {
            double energy = PrepareFrameCore(x, m, frame);
            plan.Forward(frame, spec);
            for (int k = 0; k < fft; k++)
            {
                double p = spec[2 * k] * spec[2 * k] + spec[2 * k + 1] * spec[2 * k + 1];
                power[k] = Options.UsePower ? p : Math.Sqrt(p);
            }
            var row = result.AsSpan(m * feats, feats);
            for (int b = 0; b < bins; b++)
            {
                double e = 0;
                int first = _melFirst[b], count = _melCount[b];
                var w = _melBanks.AsSpan(b * fft + first, count);
                var pw = power.AsSpan(first, count);
                for (int k = 0; k < count; k++) e += w[k] * pw[k];
                row[melOffset + b] = Options.UseLogFbank ? Math.Log(Math.Max(e, LogFloor)) : e;
            }
            if (Options.UseEnergy) row[Options.HtkCompat ? bins : 0] = energy;
        }
        if (Options.SubtractMean)
        {
            for (int f = 0; f < feats; f++)
            {
                double mean = 0;
                for (int m = 0; m < frames; m++) mean += result[m * feats + f];
                mean /= frames;
                for (int m = 0; m < frames; m++) result[m * feats + f] -= mean;
            }
        }
        return result;
    }

    /// <summary>
    /// Frame <paramref name="index"/> as it enters the FFT (dithered, DC removed, pre-emphasised, windowed, zero-padded):
    /// writes <see cref="PaddedWindowSize"/> values and returns the frame's log energy (raw or windowed, floored).
    /// </summary>
    public double PrepareFrame(ReadOnlySpan<float> waveform, int index, Span<double> frame)
    {
        if (index < 0 || index >= FrameCount(waveform.Length)) throw new ArgumentOutOfRangeException(nameof(index));
        if (frame.Length < PaddedWindowSize) throw new ArgumentException($"The frame buffer must hold {PaddedWindowSize} values.", nameof(frame));
        var buf = new double[PaddedWindowSize];
        double e = PrepareFrameCore(waveform, index, buf);
        buf.CopyTo(frame);
        return e;
    }

    /// <summary>The power (or magnitude) spectrum of <see cref="PrepareFrame"/>'s output: <see cref="FftBins"/> values.</summary>
    public double[] FrameSpectrum(ReadOnlySpan<float> waveform, int index)
    {
        var frame = new double[PaddedWindowSize];
        PrepareFrame(waveform, index, frame);
        var spec = new double[2 * FftBins];
        RealFftPlan<double>.Get(PaddedWindowSize).Forward(frame, spec);
        var power = new double[FftBins];
        for (int k = 0; k < power.Length; k++)
        {
            double p = spec[2 * k] * spec[2 * k] + spec[2 * k + 1] * spec[2 * k + 1];
            power[k] = Options.UsePower ? p : Math.Sqrt(p);
        }
        return power;
    }

    private double PrepareFrameCore<T>(ReadOnlySpan<T> x, int m, double[] frame) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int length = x.Length;
        int n = WindowSize;
        long start = Options.SnipEdges ? (long)m * WindowShift : (long)m * WindowShift + WindowShift / 2 - n / 2;
        var v = frame.AsSpan(0, n);
        for (int j = 0; j < n; j++)
        {
            long s = start + j;
            while (s < 0 || s >= length) s = s < 0 ? -s - 1 : 2L * length - 1 - s;   // Kaldi's reflection at the ends
            v[j] = double.CreateTruncating(x[(int)s]);
        }
        if (_random is not null)
            lock (_random)
                for (int j = 0; j < n; j++) v[j] += Options.Dither * Gaussian(_random);
        if (Options.RemoveDcOffset)
        {
            double mean = 0;
            for (int j = 0; j < n; j++) mean += v[j];
            mean /= n;
            for (int j = 0; j < n; j++) v[j] -= mean;
        }
        double energy = 0;
        if (Options.RawEnergy) energy = LogEnergy(v);
        double c = Options.PreemphasisCoefficient;
        if (c != 0)
        {
            for (int j = n - 1; j > 0; j--) v[j] -= c * v[j - 1];
            v[0] -= c * v[0];
        }
        for (int j = 0; j < n; j++) v[j] *= _window[j];
        frame.AsSpan(n).Clear();
        if (!Options.RawEnergy) energy = LogEnergy(frame);
        return energy;
    }

    private double LogEnergy(ReadOnlySpan<double> v)
    {
        double e = 0;
        foreach (var s in v) e += s * s;
        double log = Math.Log(Math.Max(e, LogFloor));
        return Options.EnergyFloor == 0 ? log : Math.Max(log, Math.Log(Options.EnergyFloor));
    }

    private static double Gaussian(Random r)
    {
        double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double[] MakeWindow(string type, int n, double blackmanCoeff)
    {
        double a = 2 * Math.PI / (n - 1);
        var w = new double[n];
        switch (type.Trim().ToLowerInvariant())
        {
            case "hamming": for (int i = 0; i < n; i++) w[i] = 0.54 - 0.46 * Math.Cos(a * i); break;
            case "hanning": for (int i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.Cos(a * i); break;
            case "povey": for (int i = 0; i < n; i++) w[i] = Math.Pow(0.5 - 0.5 * Math.Cos(a * i), 0.85); break;
            case "rectangular": Array.Fill(w, 1.0); break;
            case "blackman":
                for (int i = 0; i < n; i++) w[i] = blackmanCoeff - 0.5 * Math.Cos(a * i) + (0.5 - blackmanCoeff) * Math.Cos(2 * a * i);
                break;
            default: throw new ArgumentException($"Unknown window type '{type}' (hamming, hanning, povey, rectangular, blackman).", nameof(type));
        }
        return w;
    }

    private static (double[] Banks, int[] First, int[] Count) MakeMelBanks(int bins, int paddedSize, double sr, double lowFreq, double highFreq)
    {
        int fftBins = paddedSize / 2;            // Kaldi's num_fft_bins (the Nyquist bin gets no weight)
        double nyquist = 0.5 * sr;
        if (highFreq <= 0) highFreq += nyquist;
        if (!(lowFreq >= 0 && lowFreq < nyquist && highFreq > 0 && highFreq <= nyquist && lowFreq < highFreq))
            throw new ArgumentException($"Bad mel frequency range: low {lowFreq} Hz, high {highFreq} Hz, Nyquist {nyquist} Hz.");
        double binWidth = sr / paddedSize;
        double melLow = Mel(lowFreq), melHigh = Mel(highFreq);
        double delta = (melHigh - melLow) / (bins + 1);
        int cols = fftBins + 1;
        var banks = new double[bins * cols];
        var first = new int[bins];
        var count = new int[bins];
        for (int b = 0; b < bins; b++)
        {
            double left = melLow + b * delta, center = left + delta, right = center + delta;
            int lo = -1, hi = -1;
            for (int k = 0; k < fftBins; k++)
            {
                double mel = Mel(binWidth * k);
                double up = (mel - left) / (center - left), down = (right - mel) / (right - center);
                double w = Math.Max(0, Math.Min(up, down));
                banks[b * cols + k] = w;
                if (w > 0) { if (lo < 0) lo = k; hi = k; }
            }
            first[b] = lo < 0 ? 0 : lo;
            count[b] = lo < 0 ? 0 : hi - lo + 1;
        }
        return (banks, first, count);
    }

    /// <summary>
    /// Deltas along time of features [frames, dims] (row-major), as <c>torchaudio.functional.compute_deltas</c>:
    /// <c>d[t] = Σₖ₌₁ᴺ k·(x[t+k] − x[t−k]) / (2·Σₖ₌₁ᴺ k²)</c>, N = (winLength − 1)/2, frame indices clamped to
    /// [0, frames − 1] (edge frames repeated). Apply twice for delta-deltas.
    /// </summary>
    /// <exception cref="ArgumentException">winLength below 3, or a span of the wrong size.</exception>
    public static double[] Deltas(ReadOnlySpan<double> features, int frames, int dims, int winLength = 5)
    {
        if (winLength < 3) throw new ArgumentException($"winLength must be at least 3, got {winLength}.", nameof(winLength));
        if (frames < 0 || dims < 0 || features.Length != (long)frames * dims)
            throw new ArgumentException($"Expected {frames}×{dims} values, got {features.Length}.", nameof(features));
        int n = (winLength - 1) / 2;
        double denom = n * (n + 1) * (2.0 * n + 1) / 3.0;
        var d = new double[features.Length];
        for (int t = 0; t < frames; t++)
        {
            var row = d.AsSpan(t * dims, dims);
            for (int k = 1; k <= n; k++)
            {
                var next = features.Slice(Math.Min(t + k, frames - 1) * dims, dims);
                var prev = features.Slice(Math.Max(t - k, 0) * dims, dims);
                for (int f = 0; f < dims; f++) row[f] += k * (next[f] - prev[f]);
            }
            for (int f = 0; f < dims; f++) row[f] /= denom;
        }
        return d;
    }

    /// <summary>Single-precision <see cref="Deltas(ReadOnlySpan{double}, int, int, int)"/> (computed in double).</summary>
    public static float[] Deltas(ReadOnlySpan<float> features, int frames, int dims, int winLength = 5)
    {
        var x = new double[features.Length];
        for (int i = 0; i < x.Length; i++) x[i] = features[i];
        var d = Deltas(x, frames, dims, winLength);
        var r = new float[d.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)d[i];
        return r;
    }
}
