using System.Buffers;
using System.Runtime.Intrinsics;
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
        var resampler = OctaveResampler(sampleRate);
        int n = StoiKernels.OutputLength(resampler, clean.Length);
        // The 10 kHz signals live only for this call: pooled, not allocated (they are large-object-heap sized).
        var x = ArrayPool<double>.Shared.Rent(n);
        var y = ArrayPool<double>.Shared.Rent(n);
        try
        {
            StoiKernels.ResampleInto(resampler, clean, x.AsSpan(0, n));
            StoiKernels.ResampleInto(resampler, degraded, y.AsSpan(0, n));
            return FromInternalRate(x.AsSpan(0, n), y.AsSpan(0, n), extended);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(x);
            ArrayPool<double>.Shared.Return(y);
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Resampler> Resamplers = new();

    /// <summary>pystoi's resampler from <paramref name="sampleRate"/> to 10 kHz (cached; resamplers are immutable).</summary>
    private static Resampler OctaveResampler(int sampleRate) =>
        Resamplers.GetOrAdd(sampleRate, static r => Resampler.Octave(r, InternalRate));

    /// <summary>STOI or ESTOI of float64 signals.</summary>
    public static double Compute(ReadOnlySpan<double> clean, ReadOnlySpan<double> degraded, int sampleRate, bool extended = false)
    {
        Validate(clean, degraded, sampleRate);
        var (x, y) = Resample(clean, degraded, sampleRate);
        return FromInternalRate(x, y, extended);
    }

    /// <summary>Silence removal, band envelopes and the (E)STOI average of validated 10 kHz signals.</summary>
    private static double FromInternalRate(ReadOnlySpan<double> x, ReadOnlySpan<double> y, bool extended)
    {
        var pool = ArrayPool<double>.Shared;
        var xs = pool.Rent(Math.Max(1, x.Length));
        var ys = pool.Rent(Math.Max(1, x.Length));
        double[]? xt = null, yt = null;
        try
        {
            int len = RemoveSilentFrames(x, y, xs, ys);
            int frames = FrameCount(len);
            if (frames < SegmentLength) return TooShortScore;
            xt = pool.Rent(Bands * frames);
            yt = pool.Rent(Bands * frames);
            BandEnvelopePair(xs.AsSpan(0, len), ys.AsSpan(0, len), xt, yt);
            return extended ? ExtendedFromEnvelopes(xt, yt, frames) : ClassicFromEnvelopes(xt, yt, frames);
        }
        finally
        {
            pool.Return(xs); pool.Return(ys);
            if (xt is not null) pool.Return(xt);
            if (yt is not null) pool.Return(yt);
        }
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
        var resampler = OctaveResampler(sampleRate);
        return (StoiKernels.Resample(resampler, clean), StoiKernels.Resample(resampler, degraded));
    }

    /// <summary>
    /// Drops frames of <paramref name="x"/> more than 40 dB below its loudest frame and the same frames of
    /// <paramref name="y"/>; the kept windowed frames are overlap-added consecutively.
    /// </summary>
    internal static (double[] X, double[] Y) RemoveSilentFrames(double[] x, double[] y)
    {
        var xs = new double[x.Length];
        var ys = new double[x.Length];
        int len = RemoveSilentFrames(x, y, xs, ys);
        return (xs[..len], ys[..len]);
    }

    /// <summary>
    /// <see cref="RemoveSilentFrames(double[], double[])"/> into <paramref name="xs"/> and <paramref name="ys"/> (at least
    /// <c>x.Length</c> long, any content); returns the number of samples written.
    /// </summary>
    internal static int RemoveSilentFrames(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> xs, Span<double> ys)
    {
        var w = FrameWindow;
        int count = FrameCount(x.Length);
        if (count == 0) return 0;
        var energyArr = ArrayPool<double>.Shared.Rent(count);
        var energy = energyArr.AsSpan(0, count);
        double max = double.NegativeInfinity;
        int f4 = count / 4 * 4;
        // Four frames per pass: four independent sums (each in the scalar order) hide the add latency.
        int fv = 0;
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            // The same four sums, one per lane: four consecutive samples of four frames per transposed load.
            Span<double> e4 = stackalloc double[4];
            for (; fv < f4; fv += 4)
            {
                int s = fv * Hop;
                var acc = Vector256<double>.Zero;
                for (int i = 0; i < FrameLength; i += 4)
                {
                    StoiKernels.LoadTransposed(x, s + i, Hop, out var v0, out var v1, out var v2, out var v3);
                    var p0 = Vector256.Create(w[i]) * v0; acc += p0 * p0;
                    var p1 = Vector256.Create(w[i + 1]) * v1; acc += p1 * p1;
                    var p2 = Vector256.Create(w[i + 2]) * v2; acc += p2 * p2;
                    var p3 = Vector256.Create(w[i + 3]) * v3; acc += p3 * p3;
                }
                acc.CopyTo(e4);
                for (int l = 0; l < 4; l++) energy[fv + l] = 20.0 * Math.Log10(Math.Sqrt(e4[l]) + Eps);
            }
        }
        for (int f = fv; f < f4; f += 4)
        {
            int s = f * Hop;
            double e0 = 0, e1 = 0, e2 = 0, e3 = 0;
            var x0 = x.Slice(s, FrameLength); var x1 = x.Slice(s + Hop, FrameLength);
            var x2 = x.Slice(s + 2 * Hop, FrameLength); var x3 = x.Slice(s + 3 * Hop, FrameLength);
            for (int i = 0; i < FrameLength; i++)
            {
                double wi = w[i];
                double v0 = wi * x0[i], v1 = wi * x1[i], v2 = wi * x2[i], v3 = wi * x3[i];
                e0 += v0 * v0; e1 += v1 * v1; e2 += v2 * v2; e3 += v3 * v3;
            }
            energy[f] = 20.0 * Math.Log10(Math.Sqrt(e0) + Eps);
            energy[f + 1] = 20.0 * Math.Log10(Math.Sqrt(e1) + Eps);
            energy[f + 2] = 20.0 * Math.Log10(Math.Sqrt(e2) + Eps);
            energy[f + 3] = 20.0 * Math.Log10(Math.Sqrt(e3) + Eps);
        }
        for (int f = f4; f < count; f++)
        {
            int s = f * Hop;
            double e = 0;
            for (int i = 0; i < FrameLength; i++) { double v = w[i] * x[s + i]; e += v * v; }
            energy[f] = 20.0 * Math.Log10(Math.Sqrt(e) + Eps);
        }
        for (int f = 0; f < count; f++) if (energy[f] > max) max = energy[f];
        // Overlap-add of the kept windowed frames: the first half of each frame adds onto the previous frame's second
        // half (the same sums as accumulating into zeros), the second half is stored.
        int kept = 0;
        var wLo = w.AsSpan(0, Hop); var wHi = w.AsSpan(Hop, Hop);
        for (int f = 0; f < count; f++)
        {
            if (!(max - DynamicRange - energy[f] < 0)) continue;
            int src = f * Hop, dst = kept * Hop;
            if (kept == 0)
            {
                Multiply(wLo, x.Slice(src, Hop), xs.Slice(dst, Hop));
                Multiply(wLo, y.Slice(src, Hop), ys.Slice(dst, Hop));
            }
            else
            {
                MultiplyAdd(wLo, x.Slice(src, Hop), xs.Slice(dst, Hop));
                MultiplyAdd(wLo, y.Slice(src, Hop), ys.Slice(dst, Hop));
            }
            Multiply(wHi, x.Slice(src + Hop, Hop), xs.Slice(dst + Hop, Hop));
            Multiply(wHi, y.Slice(src + Hop, Hop), ys.Slice(dst + Hop, Hop));
            kept++;
        }
        ArrayPool<double>.Shared.Return(energyArr);
        return kept == 0 ? 0 : (kept - 1) * Hop + FrameLength;
    }

    /// <summary><c>d[i] = w[i]·v[i]</c> (elementwise, no fused operations).</summary>
    private static void Multiply(ReadOnlySpan<double> w, ReadOnlySpan<double> v, Span<double> d)
    {
        int i = 0;
        for (; i <= w.Length - Vector256<double>.Count; i += Vector256<double>.Count)
            (Vector256.Create(w.Slice(i, 4)) * Vector256.Create(v.Slice(i, 4))).CopyTo(d.Slice(i, 4));
        for (; i < w.Length; i++) d[i] = w[i] * v[i];
    }

    /// <summary><c>d[i] = d[i] + w[i]·v[i]</c> with the product rounded first (as the scalar loop; no fused multiply-add).</summary>
    private static void MultiplyAdd(ReadOnlySpan<double> w, ReadOnlySpan<double> v, Span<double> d)
    {
        int i = 0;
        for (; i <= w.Length - Vector256<double>.Count; i += Vector256<double>.Count)
        {
            var p = Vector256.Create(w.Slice(i, 4)) * Vector256.Create(v.Slice(i, 4));
            (Vector256.Create(d.Slice(i, 4)) + p).CopyTo(d.Slice(i, 4));
        }
        for (; i < w.Length; i++) d[i] += w[i] * v[i];
    }

    /// <summary>Frames start at 0, 128, … while start &lt; length − 256 (a frame ending on the last sample is excluded).</summary>
    internal static int FrameCount(int length) => length > FrameLength ? (length - FrameLength + Hop - 1) / Hop : 0;

    /// <summary>One-third-octave band envelopes <c>sqrt(OBM·|STFT|²)</c>, row-major <c>[15, frames]</c>.</summary>
    internal static double[] BandEnvelopes(double[] x) => BandEnvelopePair(x, x).X;

    /// <summary>The band envelopes of two equal-length signals (their frames share one complex FFT).</summary>
    internal static (double[] X, double[] Y) BandEnvelopePair(double[] x, double[] y)
    {
        int frames = FrameCount(x.Length);
        var xt = new double[Bands * frames];
        var yt = new double[Bands * frames];
        BandEnvelopePair(x, y, xt, yt);
        return (xt, yt);
    }

    /// <summary><see cref="BandEnvelopePair(double[], double[])"/> into the first <c>15·frames</c> values of <paramref name="xt"/>, <paramref name="yt"/>.</summary>
    internal static void BandEnvelopePair(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> xt, Span<double> yt)
    {
        var (_, _, lo, hi) = ThirdOctave.Value;
        StoiKernels.BandEnvelopePair(x, y, FrameWindow, lo, hi, FrameLength, Hop, xt, yt);
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
        int vectorSegments = Vector256.IsHardwareAccelerated ? segments / Lanes * Lanes : 0;
        for (int start = 0; start < vectorSegments; start += Lanes) sum += ClassicFourSegments(xt, yt, frames, start, clip);
        for (int m = SegmentLength + vectorSegments; m <= frames; m++)
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

    private const int Lanes = 4;

    /// <summary>
    /// The classic-STOI correlations of segments <c>start..start+3</c> summed over bands, one segment per SIMD lane with
    /// the scalar path's arithmetic in every lane (element <c>i</c> of consecutive segments is contiguous in a band row).
    /// </summary>
    private static double ClassicFourSegments(double[] xt, double[] yt, int frames, int start, double clip)
    {
        Span<Vector256<double>> xv = stackalloc Vector256<double>[SegmentLength];
        Span<Vector256<double>> yv = stackalloc Vector256<double>[SegmentLength];
        var eps = Vector256.Create(Eps);
        var clipFactor = Vector256.Create(1 + clip);
        var count = Vector256.Create((double)SegmentLength);
        double sum = 0;
        for (int b = 0; b < Bands; b++)
        {
            ref double xb = ref xt[b * frames + start];
            ref double yb = ref yt[b * frames + start];
            var sx = Vector256<double>.Zero; var sy = Vector256<double>.Zero;
            for (int i = 0; i < SegmentLength; i++)
            {
                var x = Vector256.LoadUnsafe(ref xb, (nuint)i); var y = Vector256.LoadUnsafe(ref yb, (nuint)i);
                sx += x * x; sy += y * y;
            }
            var alpha = Vector256.Sqrt(sx) / (Vector256.Sqrt(sy) + eps);
            var mx = Vector256<double>.Zero; var my = Vector256<double>.Zero;
            for (int i = 0; i < SegmentLength; i++)
            {
                var x = Vector256.LoadUnsafe(ref xb, (nuint)i); var y = Vector256.LoadUnsafe(ref yb, (nuint)i);
                var yc = Vector256.Min(y * alpha, x * clipFactor);
                xv[i] = x; yv[i] = yc;
                mx += x; my += yc;
            }
            mx /= count; my /= count;
            var ex = Vector256<double>.Zero; var ey = Vector256<double>.Zero;
            for (int i = 0; i < SegmentLength; i++)
            {
                var x = xv[i] - mx; var y = yv[i] - my;
                xv[i] = x; yv[i] = y;
                ex += x * x; ey += y * y;
            }
            ex = Vector256.Sqrt(ex) + eps; ey = Vector256.Sqrt(ey) + eps;
            var c = Vector256<double>.Zero;
            for (int i = 0; i < SegmentLength; i++) c += (xv[i] / ex) * (yv[i] / ey);
            sum += Vector256.Sum(c);
        }
        return sum;
    }

    internal static double ExtendedFromEnvelopes(double[] xt, double[] yt, int frames)
    {
        int segments = frames - SegmentLength + 1;
        var xm = new double[Bands * SegmentLength];
        var ym = new double[Bands * SegmentLength];
        double sum = 0;
        int vectorSegments = Vector256.IsHardwareAccelerated ? segments / Lanes * Lanes : 0;
        if (vectorSegments > 0)
        {
            var xq = new Vector256<double>[Bands * SegmentLength];
            var yq = new Vector256<double>[Bands * SegmentLength];
            for (int start = 0; start < vectorSegments; start += Lanes)
            {
                for (int b = 0; b < Bands; b++)
                    for (int i = 0; i < SegmentLength; i++)
                    {
                        xq[b * SegmentLength + i] = Vector256.LoadUnsafe(ref xt[b * frames + start], (nuint)i);
                        yq[b * SegmentLength + i] = Vector256.LoadUnsafe(ref yt[b * frames + start], (nuint)i);
                    }
                RowColumnNormalize(xq);
                RowColumnNormalize(yq);
                var c = Vector256<double>.Zero;
                for (int i = 0; i < xq.Length; i++) c += xq[i] * yq[i];
                sum += Vector256.Sum(c);
            }
        }
        for (int m = SegmentLength + vectorSegments; m <= frames; m++)
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

    /// <summary><see cref="RowColumnNormalize(double[])"/> of four segments at once (one per lane, same arithmetic).</summary>
    private static void RowColumnNormalize(Vector256<double>[] m)
    {
        var count = Vector256.Create((double)SegmentLength);
        var bands = Vector256.Create((double)Bands);
        var one = Vector256.Create(1.0);
        for (int b = 0; b < Bands; b++)
        {
            var row = m.AsSpan(b * SegmentLength, SegmentLength);
            var mean = Vector256<double>.Zero;
            foreach (var v in row) mean += v;
            mean /= count;
            var ss = Vector256<double>.Zero;
            for (int i = 0; i < row.Length; i++) { var v = row[i] - mean; row[i] = v; ss += v * v; }
            var n = Vector256.Sqrt(ss);
            var inv = Vector256.ConditionalSelect(Vector256.GreaterThan(n, Vector256<double>.Zero), one / n, Vector256<double>.Zero);
            for (int i = 0; i < row.Length; i++) row[i] *= inv;
        }
        for (int t = 0; t < SegmentLength; t++)
        {
            var mean = Vector256<double>.Zero;
            for (int b = 0; b < Bands; b++) mean += m[b * SegmentLength + t];
            mean /= bands;
            var ss = Vector256<double>.Zero;
            for (int b = 0; b < Bands; b++)
            {
                var v = m[b * SegmentLength + t] - mean;
                m[b * SegmentLength + t] = v;
                ss += v * v;
            }
            var n = Vector256.Sqrt(ss);
            var inv = Vector256.ConditionalSelect(Vector256.GreaterThan(n, Vector256<double>.Zero), one / n, Vector256<double>.Zero);
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
