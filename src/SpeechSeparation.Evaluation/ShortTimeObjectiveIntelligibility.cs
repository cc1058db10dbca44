using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// STOI (Taal et al. 2011) and extended STOI (Jensen &amp; Taal 2016) exactly as pystoi 0.4.1 computes them: resampling to
/// 10 kHz (Octave-compatible design), removal of frames more than 40 dB below the loudest clean frame, 256-sample Hann
/// frames with hop 128 and a 512-point FFT, 15 one-third-octave bands from 150 Hz, 30-frame (384 ms) segments.
/// All arithmetic in float64. Thread-safe.
/// </summary>
/// <remarks>
/// <para>Like pystoi, when fewer than 30 frames remain after silence removal the score is <see cref="TooShortScore"/>
/// (1e-5) rather than an error. pystoi adds ~1e-16 random noise inside ESTOI's normalisation; it is omitted here (a band
/// or frame with exactly zero variance contributes 0 instead of noise).</para>
/// <para>Inputs must have the same length, be finite, and the clean signal must not be all zeros
/// (<see cref="ArgumentException"/>). Any sample rate is accepted (resampled to 10 kHz).</para>
/// </remarks>
public static class ShortTimeObjectiveIntelligibility
{
    /// <summary>Internal processing rate (10 kHz).</summary>
    public const int InternalRate = 10000;

    /// <summary>Frame length in samples at 10 kHz (25.6 ms).</summary>
    public const int FrameLength = 256;

    /// <summary>FFT size.</summary>
    public const int FftSize = 512;

    /// <summary>Number of one-third-octave bands.</summary>
    public const int Bands = 15;

    /// <summary>Lowest band centre frequency, Hz.</summary>
    public const double MinFrequency = 150;

    /// <summary>Frames per intermediate segment (384 ms).</summary>
    public const int SegmentLength = 30;

    /// <summary>Lower signal-to-distortion bound of the clipping, dB.</summary>
    public const double Beta = -15;

    /// <summary>Dynamic range of the silent-frame removal, dB.</summary>
    public const double DynamicRange = 40;

    /// <summary>The score returned when fewer than <see cref="SegmentLength"/> frames remain (pystoi's 1e-5).</summary>
    public const double TooShortScore = 1e-5;

    private const double Eps = 2.220446049250313e-16;
    private const int Hop = FrameLength / 2;

    private static readonly Lazy<(double[] Obm, double[] Centers, int[] Lo, int[] Hi)> ThirdOctave = new(BuildThirdOctave);
    private static readonly double[] FrameWindow = BuildWindow();

    /// <summary>Classic STOI of <paramref name="degraded"/> against <paramref name="clean"/> sampled at <paramref name="sampleRate"/>.</summary>
    public static double Compute(ReadOnlySpan<float> clean, ReadOnlySpan<float> degraded, int sampleRate) =>
        ComputeSingle(clean, degraded, sampleRate, extended: false);

    /// <summary>Extended STOI (ESTOI).</summary>
    public static double ComputeExtended(ReadOnlySpan<float> clean, ReadOnlySpan<float> degraded, int sampleRate) =>
        ComputeSingle(clean, degraded, sampleRate, extended: true);

    /// <summary>The float entry points: validated as float, widened to float64 chunk by chunk while resampling.</summary>
    private static double ComputeSingle(ReadOnlySpan<float> clean, ReadOnlySpan<float> degraded, int sampleRate, bool extended)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive.");
        MetricInput.RequireNotEmpty(clean.Length, nameof(clean));
        MetricInput.RequireSameLength(clean.Length, degraded.Length, nameof(clean), nameof(degraded));
        MetricInput.RequireFinite(clean, nameof(clean));
        MetricInput.RequireFinite(degraded, nameof(degraded));
        MetricInput.RequireNotSilent(clean, nameof(clean));
        if (sampleRate == InternalRate) return FromInternalRate(MetricInput.ToDouble(clean), MetricInput.ToDouble(degraded), extended);
        var resampler = Resampler.Octave(sampleRate, InternalRate);
        return FromInternalRate(ResampleWidening(resampler, clean), ResampleWidening(resampler, degraded), extended);
    }

    /// <summary>The same samples as <c>resampler.Process(ToDouble(x))</c> without the whole-signal float64 copy.</summary>
    private static double[] ResampleWidening(Resampler resampler, ReadOnlySpan<float> x)
    {
        var stream = resampler.CreateStream<double>();
        var y = new double[checked((int)resampler.OutputLength(x.Length))];
        Span<double> chunk = stackalloc double[1024];
        int written = 0;
        for (int start = 0; start < x.Length; start += chunk.Length)
        {
            var part = x.Slice(start, Math.Min(chunk.Length, x.Length - start));
            for (int i = 0; i < part.Length; i++) chunk[i] = part[i];
            written += stream.Process(chunk[..part.Length], y.AsSpan(written));
        }
        written += stream.Flush(y.AsSpan(written));
        if (written != y.Length) throw new InvalidOperationException($"Resampling produced {written} samples, expected {y.Length}.");
        return y;
    }

    /// <summary>STOI or ESTOI of float64 signals.</summary>
    public static double Compute(ReadOnlySpan<double> clean, ReadOnlySpan<double> degraded, int sampleRate, bool extended = false)
    {
        Validate(clean, degraded, sampleRate);
        var (x, y) = Resample(clean, degraded, sampleRate);
        return FromInternalRate(x, y, extended);
    }

    /// <summary>Silence removal, band envelopes and the (E)STOI average of validated 10 kHz signals.</summary>
    private static double FromInternalRate(double[] x, double[] y, bool extended)
    {
        var (xs, ys) = RemoveSilentFrames(x, y);
        var xt = BandEnvelopes(xs);
        var yt = BandEnvelopes(ys);
        int frames = xt.Length / Bands;
        if (frames < SegmentLength) return TooShortScore;
        return extended ? ExtendedFromEnvelopes(xt, yt, frames) : ClassicFromEnvelopes(xt, yt, frames);
    }

    private static void Validate(ReadOnlySpan<double> clean, ReadOnlySpan<double> degraded, int sampleRate)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive.");
        MetricInput.RequireNotEmpty(clean.Length, nameof(clean));
        MetricInput.RequireSameLength(clean.Length, degraded.Length, nameof(clean), nameof(degraded));
        MetricInput.RequireFinite(clean, nameof(clean));
        MetricInput.RequireFinite(degraded, nameof(degraded));
        MetricInput.RequireNotSilent(clean, nameof(clean));
    }

    /// <summary>Both signals at 10 kHz (unchanged when already there).</summary>
    internal static (double[] X, double[] Y) Resample(ReadOnlySpan<double> clean, ReadOnlySpan<double> degraded, int sampleRate)
    {
        if (sampleRate == InternalRate) return (clean.ToArray(), degraded.ToArray());
        var resampler = Resampler.Octave(sampleRate, InternalRate);
        return (resampler.Process(clean), resampler.Process(degraded));
    }

    /// <summary>
    /// Drops frames of <paramref name="x"/> more than 40 dB below its loudest frame and the same frames of
    /// <paramref name="y"/>; the kept windowed frames are overlap-added consecutively.
    /// </summary>
    internal static (double[] X, double[] Y) RemoveSilentFrames(double[] x, double[] y)
    {
        var w = FrameWindow;
        int count = FrameCount(x.Length);
        var energy = new double[count];
        double max = double.NegativeInfinity;
        for (int f = 0; f < count; f++)
        {
            int s = f * Hop;
            double e = 0;
            for (int i = 0; i < FrameLength; i++) { double v = w[i] * x[s + i]; e += v * v; }
            energy[f] = 20.0 * Math.Log10(Math.Sqrt(e) + Eps);
            if (energy[f] > max) max = energy[f];
        }
        var kept = new List<int>(count);
        for (int f = 0; f < count; f++) if (max - DynamicRange - energy[f] < 0) kept.Add(f);
        int len = kept.Count == 0 ? 0 : (kept.Count - 1) * Hop + FrameLength;
        var xs = new double[len];
        var ys = new double[len];
        for (int k = 0; k < kept.Count; k++)
        {
            int src = kept[k] * Hop, dst = k * Hop;
            for (int i = 0; i < FrameLength; i++)
            {
                xs[dst + i] += w[i] * x[src + i];
                ys[dst + i] += w[i] * y[src + i];
            }
        }
        return (xs, ys);
    }

    /// <summary>Frames start at 0, 128, … while start &lt; length − 256 (a frame ending on the last sample is excluded).</summary>
    internal static int FrameCount(int length) => length > FrameLength ? (length - FrameLength + Hop - 1) / Hop : 0;

    /// <summary>One-third-octave band envelopes <c>sqrt(OBM·|STFT|²)</c>, row-major <c>[15, frames]</c>.</summary>
    internal static double[] BandEnvelopes(double[] x)
    {
        int frames = FrameCount(x.Length);
        var (_, _, lo, hi) = ThirdOctave.Value;
        var result = new double[Bands * frames];
        var plan = RealFftPlan<double>.Get(FftSize);
        var frame = new double[FftSize];
        var spec = new double[2 * (FftSize / 2 + 1)];
        var power = new double[FftSize / 2 + 1];
        var w = FrameWindow;
        for (int f = 0; f < frames; f++)
        {
            int s = f * Hop;
            for (int i = 0; i < FrameLength; i++) frame[i] = w[i] * x[s + i];
            plan.Forward(frame, spec);
            // Only bins lo[0]..hi[14] enter a band.
            for (int k = lo[0]; k < hi[Bands - 1]; k++)
            {
                double re = spec[2 * k], im = spec[2 * k + 1];
                power[k] = re * re + im * im;
            }
            for (int b = 0; b < Bands; b++)
            {
                double acc = 0;
                for (int k = lo[b]; k < hi[b]; k++) acc += power[k];
                result[b * frames + f] = Math.Sqrt(acc);
            }
        }
        return result;
    }

    /// <summary>The one-third-octave band matrix (row-major <c>[15, 257]</c>) and the band centre frequencies.</summary>
    internal static (double[] Matrix, double[] Centers) OctaveBandMatrix()
    {
        var t = ThirdOctave.Value;
        return ((double[])t.Obm.Clone(), (double[])t.Centers.Clone());
    }

    internal static double ClassicFromEnvelopes(double[] xt, double[] yt, int frames)
    {
        int segments = frames - SegmentLength + 1;
        double clip = Math.Pow(10.0, -Beta / 20.0);
        double sum = 0;
        Span<double> xv = stackalloc double[SegmentLength];
        Span<double> yv = stackalloc double[SegmentLength];
        for (int m = SegmentLength; m <= frames; m++)
        {
            int start = m - SegmentLength;
            for (int b = 0; b < Bands; b++)
            {
                var xs = xt.AsSpan(b * frames + start, SegmentLength);
                var ys = yt.AsSpan(b * frames + start, SegmentLength);
                double nx = Norm(xs), ny = Norm(ys);
                double alpha = nx / (ny + Eps);
                for (int i = 0; i < SegmentLength; i++)
                {
                    xv[i] = xs[i];
                    yv[i] = Math.Min(ys[i] * alpha, xs[i] * (1 + clip));
                }
                Center(xv); Center(yv);
                double ex = Norm(xv) + Eps, ey = Norm(yv) + Eps;
                double c = 0;
                for (int i = 0; i < SegmentLength; i++) c += (xv[i] / ex) * (yv[i] / ey);
                sum += c;
            }
        }
        return sum / (segments * Bands);
    }

    internal static double ExtendedFromEnvelopes(double[] xt, double[] yt, int frames)
    {
        int segments = frames - SegmentLength + 1;
        var xm = new double[Bands * SegmentLength];
        var ym = new double[Bands * SegmentLength];
        double sum = 0;
        for (int m = SegmentLength; m <= frames; m++)
        {
            int start = m - SegmentLength;
            for (int b = 0; b < Bands; b++)
            {
                xt.AsSpan(b * frames + start, SegmentLength).CopyTo(xm.AsSpan(b * SegmentLength));
                yt.AsSpan(b * frames + start, SegmentLength).CopyTo(ym.AsSpan(b * SegmentLength));
            }
            RowColumnNormalize(xm);
            RowColumnNormalize(ym);
            double c = 0;
            for (int i = 0; i < xm.Length; i++) c += xm[i] * ym[i];
            sum += c;
        }
        return sum / SegmentLength / segments;
    }

    /// <summary>Each band row made zero-mean and unit-norm, then each frame column likewise (a zero-variance vector becomes 0).</summary>
    private static void RowColumnNormalize(double[] m)
    {
        for (int b = 0; b < Bands; b++)
        {
            var row = m.AsSpan(b * SegmentLength, SegmentLength);
            Center(row);
            double n = Norm(row);
            double inv = n > 0 ? 1.0 / n : 0.0;
            for (int i = 0; i < row.Length; i++) row[i] *= inv;
        }
        for (int t = 0; t < SegmentLength; t++)
        {
            double mean = 0;
            for (int b = 0; b < Bands; b++) mean += m[b * SegmentLength + t];
            mean /= Bands;
            double ss = 0;
            for (int b = 0; b < Bands; b++)
            {
                double v = m[b * SegmentLength + t] - mean;
                m[b * SegmentLength + t] = v;
                ss += v * v;
            }
            double n = Math.Sqrt(ss);
            double inv = n > 0 ? 1.0 / n : 0.0;
            for (int b = 0; b < Bands; b++) m[b * SegmentLength + t] *= inv;
        }
    }

    private static double Norm(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (var x in v) s += x * x;
        return Math.Sqrt(s);
    }

    private static void Center(Span<double> v)
    {
        double mean = 0;
        foreach (var x in v) mean += x;
        mean /= v.Length;
        for (int i = 0; i < v.Length; i++) v[i] -= mean;
    }

    /// <summary>MATLAB <c>hanning(256)</c>: <c>0.5 − 0.5·cos(2π(n+1)/257)</c>.</summary>
    private static double[] BuildWindow()
    {
        var w = new double[FrameLength];
        for (int n = 0; n < FrameLength; n++) w[n] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * (n + 1) / (FrameLength + 1));
        return w;
    }

    private static (double[] Obm, double[] Centers, int[] Lo, int[] Hi) BuildThirdOctave()
    {
        int bins = FftSize / 2 + 1;
        var f = new double[bins];
        double step = (double)InternalRate / FftSize;
        for (int i = 0; i < bins; i++) f[i] = i * step;
        var obm = new double[Bands * bins];
        var cf = new double[Bands];
        var lo = new int[Bands];
        var hi = new int[Bands];
        for (int k = 0; k < Bands; k++)
        {
            cf[k] = MinFrequency * Math.Pow(2.0, k / 3.0);
            lo[k] = NearestBin(f, MinFrequency * Math.Pow(2.0, (2.0 * k - 1) / 6.0));
            hi[k] = NearestBin(f, MinFrequency * Math.Pow(2.0, (2.0 * k + 1) / 6.0));
            for (int i = lo[k]; i < hi[k]; i++) obm[k * bins + i] = 1;
        }
        return (obm, cf, lo, hi);
    }

    private static int NearestBin(double[] f, double edge)
    {
        int best = 0;
        double bestD = double.PositiveInfinity;
        for (int i = 0; i < f.Length; i++)
        {
            double d = (f[i] - edge) * (f[i] - edge);
            if (d < bestD) { bestD = d; best = i; }
        }
        return best;
    }
}
