using System.Runtime.Intrinsics;

namespace SpeechSeparation.Evaluation;

/// <summary>Frame-wise BSS Eval v4 criteria: row-major <c>[source, window]</c> arrays (NaN for skipped windows).</summary>
public sealed class BssEvalImagesResult
{
    internal BssEvalImagesResult(int sources, int windows, double[] sdr, double[] isr, double[] sir, double[] sar)
    {
        Sources = sources; Windows = windows;
        Sdr = sdr; Isr = isr; Sir = sir; Sar = sar;
    }

    /// <summary>Number of sources.</summary>
    public int Sources { get; }

    /// <summary>Number of evaluated windows.</summary>
    public int Windows { get; }

    /// <summary>Source-to-distortion ratio, <c>[source, window]</c>, dB.</summary>
    public double[] Sdr { get; }

    /// <summary>Source image-to-spatial distortion ratio, <c>[source, window]</c>, dB.</summary>
    public double[] Isr { get; }

    /// <summary>Source-to-interference ratio, <c>[source, window]</c>, dB.</summary>
    public double[] Sir { get; }

    /// <summary>Source-to-artifacts ratio, <c>[source, window]</c>, dB.</summary>
    public double[] Sar { get; }

    /// <summary>
    /// SiSEC 2018 aggregation of one metric for one source: the median over windows ignoring NaN (NaN when every
    /// window was skipped).
    /// </summary>
    public static double MedianIgnoringNaN(ReadOnlySpan<double> values)
    {
        var v = new List<double>(values.Length);
        foreach (var x in values) if (!double.IsNaN(x)) v.Add(x);
        if (v.Count == 0) return double.NaN;
        v.Sort();
        int m = v.Count / 2;
        return v.Count % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
    }

    /// <summary>Per-source medians over windows (ignoring NaN) of a <c>[source, window]</c> array of this result.</summary>
    public double[] MedianOverWindows(double[] metric)
    {
        var r = new double[Sources];
        for (int j = 0; j < Sources; j++) r[j] = MedianIgnoringNaN(metric.AsSpan(j * Windows, Windows));
        return r;
    }
}

/// <summary>
/// BSS Eval v4 as <c>museval.metrics.bss_eval</c> computes it for SiSEC 2018 ("images" criteria SDR/ISR/SIR/SAR): the
/// 512-tap distortion filters are estimated once on the whole signals (Gram matrix plus machine-epsilon diagonal
/// loading) and the decomposition is evaluated per window. Estimate <c>j</c> is compared with reference <c>j</c>
/// (no permutation, as <c>museval.evaluate</c> does). Windows where any reference or any estimate is all zero give NaN
/// for every source. Thread-safe.
/// </summary>
public static class BssEvalImages
{
    /// <summary>The diagonal loading of museval (float64 machine epsilon).</summary>
    public const double DiagonalLoading = 2.220446049250313e-16;

    /// <summary>Number of windows museval evaluates: <c>floor((T − window + hop) / hop)</c> when <c>window &lt; T</c>, else 1.</summary>
    public static int WindowCount(int samples, int window, int hop) =>
        window < samples ? (samples - window + hop) / hop : 1;

    /// <summary>Frame-wise v4 criteria.</summary>
    /// <param name="references">Row-major <c>[sources, samples, channels]</c> reference images (numpy layout).</param>
    /// <param name="estimates">Row-major <c>[sources, samples, channels]</c> estimated images.</param>
    /// <param name="sources">Number of sources.</param>
    /// <param name="channels">Channels per image (1 for mono).</param>
    /// <param name="window">Window length in samples (museval: one second).</param>
    /// <param name="hop">Hop in samples (museval: one second).</param>
    /// <param name="filterLength">Distortion filter length (512).</param>
    public static BssEvalImagesResult Evaluate(ReadOnlySpan<float> references, ReadOnlySpan<float> estimates, int sources, int channels,
        int window, int hop, int filterLength = BssEvalSources.FilterLength)
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "The channel count must be positive.");
        if (window <= 0) throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        if (hop <= 0) throw new ArgumentOutOfRangeException(nameof(hop), hop, "The hop must be positive.");
        if (filterLength <= 0) throw new ArgumentOutOfRangeException(nameof(filterLength), filterLength, "The filter length must be positive.");
        int perSource = MetricInput.RequireSources(references, sources, nameof(references));
        MetricInput.RequireSameLength(references.Length, estimates.Length, "references", "estimates");
        MetricInput.RequireFinite(estimates, nameof(estimates));
        if (perSource % channels != 0) throw new ArgumentException($"Each source holds {perSource} values, not a multiple of {channels} channels.", nameof(channels));
        int t = perSource / channels;
        // De-interleave into per-(source, channel) signals.
        var refs = new double[sources * channels][];
        var ests = new double[sources * channels][];
        for (int s = 0; s < sources; s++)
            for (int c = 0; c < channels; c++)
            {
                var r = new double[t]; var e = new double[t];
                int off = s * perSource + c;
                if (channels == 1)
                {
                    MetricInput.Widen(references.Slice(off, t), r);
                    MetricInput.Widen(estimates.Slice(off, t), e);
                }
                else
                    for (int i = 0; i < t; i++) { r[i] = references[off + i * channels]; e[i] = estimates[off + i * channels]; }
                refs[s * channels + c] = r; ests[s * channels + c] = e;
            }
        bool anyRefSilent = false;
        for (int s = 0; s < sources && !anyRefSilent; s++)
        {
            bool silent = true;
            for (int c = 0; c < channels && silent; c++) silent = MetricInput.IsSilent(refs[s * channels + c]);
            anyRefSilent = silent;
        }
        if (anyRefSilent) throw new ArgumentException("A reference source is all zeros over the whole signal; BSS Eval is undefined for it.", nameof(references));

        var projector = new BssProjector(refs, channels, filterLength, DiagonalLoading, structured: true);
        int l = filterLength;
        // Filters per estimate source and output channel.
        var cAll = new double[sources][][];
        var cJ = new double[sources][][];
        for (int j = 0; j < sources; j++)
        {
            cAll[j] = new double[channels][];
            cJ[j] = new double[channels][];
            for (int oc = 0; oc < channels; oc++)
            {
                var d = projector.RightHandSide(ests[j * channels + oc]);
                cJ[j][oc] = d.AsSpan(j * channels * l, channels * l).ToArray();
                cAll[j][oc] = d;
            }
            projector.SolveGroupMany(j, cJ[j]);
        }
        projector.ReleaseSpectra();
        projector.SolveAllMany(cAll.SelectMany(c => c).ToArray());

        int nwin = WindowCount(t, window, hop);
        var sdr = new double[sources * nwin]; var isr = new double[sources * nwin];
        var sir = new double[sources * nwin]; var sar = new double[sources * nwin];
        // Per-window projections by FFT convolution: every window slice (zero-padded) and every filter share one size
        // long enough that the full linear convolution (window + L − 1 samples) does not wrap.
        int maxLen = window < t ? Math.Min(window, t) : t;
        int nfft = CrossCorrelation.FastLength(maxLen + l - 1);
        var plan = SpeechSeparation.Signal.RealFftPlan<double>.Get(nfft);
        int specLen = 2 * (nfft / 2 + 1);
        int signalCount = sources * channels;
        var padded = new double[nfft];
        // Filter spectra: hAll[j][oc][signal], hOwn[j][oc][channel].
        var hAll = new double[sources][][][];
        var hOwn = new double[sources][][][];
        for (int j = 0; j < sources; j++)
        {
            hAll[j] = new double[channels][][];
            hOwn[j] = new double[channels][][];
            for (int oc = 0; oc < channels; oc++)
            {
                hAll[j][oc] = new double[signalCount][];
                for (int sIdx = 0; sIdx < signalCount; sIdx++)
                    hAll[j][oc][sIdx] = FilterSpectrum(plan, cAll[j][oc].AsSpan(sIdx * l, l), padded, specLen);
                hOwn[j][oc] = new double[channels][];
                for (int c = 0; c < channels; c++)
                    hOwn[j][oc][c] = FilterSpectrum(plan, cJ[j][oc].AsSpan(c * l, l), padded, specLen);
            }
        }
        var xSpec = new double[signalCount][];
        var ySpec = new double[signalCount][];
        for (int sIdx = 0; sIdx < signalCount; sIdx++) { xSpec[sIdx] = new double[specLen]; ySpec[sIdx] = new double[specLen]; }
        var accAll = new double[specLen];
        var accOwn = new double[specLen];
        Span<double> energies = stackalloc double[7];
        for (int w = 0; w < nwin; w++)
        {
            int start = window < t ? w * hop : 0;
            int end = window < t ? Math.Min(start + window, t) : t;
            var range = start..end;
            bool skip = false;
            for (int s = 0; s < sources && !skip; s++)
            {
                bool refSilent = true, estSilent = true;
                for (int c = 0; c < channels; c++)
                {
                    refSilent &= MetricInput.IsSilent(refs[s * channels + c].AsSpan(range));
                    estSilent &= MetricInput.IsSilent(ests[s * channels + c].AsSpan(range));
                }
                skip = refSilent || estSilent;
            }
            if (!skip)
                for (int sIdx = 0; sIdx < signalCount; sIdx++)
                {
                    Array.Clear(padded);
                    refs[sIdx].AsSpan(range).CopyTo(padded);
                    plan.Forward(padded, xSpec[sIdx]);
                    Array.Clear(padded);
                    ests[sIdx].AsSpan(range).CopyTo(padded);
                    plan.Forward(padded, ySpec[sIdx]);
                }
            for (int j = 0; j < sources; j++)
            {
                int k = j * nwin + w;
                if (skip) { sdr[k] = isr[k] = sir[k] = sar[k] = double.NaN; continue; }
                double eTrue = 0, eSpat = 0, eInterf = 0, eArtif = 0, eDist = 0, eImage = 0, eTarget = 0;
                for (int oc = 0; oc < channels; oc++)
                {
                    // Spectra of the projections (full linear convolutions: nfft ≥ window + L − 1, nothing wraps).
                    Array.Clear(accAll); Array.Clear(accOwn);
                    for (int sIdx = 0; sIdx < signalCount; sIdx++) ComplexMultiplyAdd(xSpec[sIdx], hAll[j][oc][sIdx], accAll);
                    for (int c = 0; c < channels; c++) ComplexMultiplyAdd(xSpec[j * channels + c], hOwn[j][oc][c], accOwn);
                    // The decomposition's energies by Parseval: s_true = x, e_spat = P_j − x, e_interf = P_all − P_j,
                    // e_artif = y − P_all (so distortion = y − x, image = P_j, target = P_all).
                    SpectralEnergies(xSpec[j * channels + oc], ySpec[j * channels + oc], accOwn, accAll, nfft, energies);
                    eTrue += energies[0]; eSpat += energies[1]; eInterf += energies[2]; eArtif += energies[3]; eDist += energies[4]; eImage += energies[5]; eTarget += energies[6];
                }
                sdr[k] = BssEvalSources.Decibels(eTrue, eDist);
                isr[k] = BssEvalSources.Decibels(eTrue, eSpat);
                sir[k] = BssEvalSources.Decibels(eImage, eInterf);
                sar[k] = BssEvalSources.Decibels(eTarget, eArtif);
            }
        }
        return new BssEvalImagesResult(sources, nwin, sdr, isr, sir, sar);
    }
    private static double[] FilterSpectrum(SpeechSeparation.Signal.RealFftPlan<double> plan, ReadOnlySpan<double> h, double[] padded, int specLen)
    {
        Array.Clear(padded);
        h.CopyTo(padded);
        var spec = new double[specLen];
        plan.Forward(padded, spec);
        return spec;
    }

    /// <summary>
    /// Energies (sums of squares over the <paramref name="nfft"/> time samples, by Parseval from one-sided spectra) of
    /// <c>x</c>, <c>pj − x</c>, <c>pall − pj</c>, <c>y − pall</c>, <c>y − x</c>, <c>pj</c>, <c>pall</c>.
    /// </summary>
    internal static void SpectralEnergies(double[] x, double[] y, double[] pj, double[] pall, int nfft, Span<double> e)
    {
        int n = nfft + 2, k = 0; // interleaved bins 0 … nfft/2
        Span<double> sums = stackalloc double[7];
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default;
            for (; k <= n - 4; k += 4)
            {
                var vx = Vector256.LoadUnsafe(ref x[0], (nuint)k); var vy = Vector256.LoadUnsafe(ref y[0], (nuint)k);
                var vj = Vector256.LoadUnsafe(ref pj[0], (nuint)k); var va = Vector256.LoadUnsafe(ref pall[0], (nuint)k);
                var d1 = vj - vx; var d2 = va - vj; var d3 = vy - va; var d4 = vy - vx;
                s0 += vx * vx; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3; s4 += d4 * d4; s5 += vj * vj; s6 += va * va;
            }
            sums[0] = Vector256.Sum(s0); sums[1] = Vector256.Sum(s1); sums[2] = Vector256.Sum(s2); sums[3] = Vector256.Sum(s3);
            sums[4] = Vector256.Sum(s4); sums[5] = Vector256.Sum(s5); sums[6] = Vector256.Sum(s6);
        }
        for (; k < n; k++) AddSquares(sums, x[k], y[k], pj[k], pall[k], 1);
        // Bins 1 … nfft/2 − 1 stand for two bins each; bins 0 and nfft/2 for one: total = 2·Σ − |X_0|² − |X_{N/2}|².
        for (int i = 0; i < 7; i++) sums[i] *= 2;
        foreach (int b in new[] { 0, 1, nfft, nfft + 1 }) AddSquares(sums, x[b], y[b], pj[b], pall[b], -1);
        for (int i = 0; i < 7; i++) e[i] = sums[i] / nfft;
    }

    private static void AddSquares(Span<double> sums, double x, double y, double pj, double pall, double sign)
    {
        double d1 = pj - x, d2 = pall - pj, d3 = y - pall, d4 = y - x;
        sums[0] += sign * x * x; sums[1] += sign * d1 * d1; sums[2] += sign * d2 * d2; sums[3] += sign * d3 * d3;
        sums[4] += sign * d4 * d4; sums[5] += sign * pj * pj; sums[6] += sign * pall * pall;
    }

    /// <summary><c>acc += a·b</c> on interleaved complex spectra.</summary>
    private static void ComplexMultiplyAdd(double[] a, double[] b, double[] acc)
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var sign = Vector256.Create(-1.0, 1.0, -1.0, 1.0);
            for (; k <= acc.Length - 4; k += 4)
            {
                var va = Vector256.LoadUnsafe(ref a[0], (nuint)k);
                var vb = Vector256.LoadUnsafe(ref b[0], (nuint)k);
                var are = Vector256.Shuffle(va, Vector256.Create(0L, 0L, 2L, 2L));
                var aim = Vector256.Shuffle(va, Vector256.Create(1L, 1L, 3L, 3L));
                var bsw = Vector256.Shuffle(vb, Vector256.Create(1L, 0L, 3L, 2L));
                // (ar·br − ai·bi, ar·bi + ai·br)
                (Vector256.LoadUnsafe(ref acc[0], (nuint)k) + are * vb + aim * bsw * sign).StoreUnsafe(ref acc[0], (nuint)k);
            }
        }
        for (; k < acc.Length; k += 2)
        {
            double ar = a[k], ai = a[k + 1], br = b[k], bi = b[k + 1];
            acc[k] += ar * br - ai * bi;
            acc[k + 1] += ar * bi + ai * br;
        }
    }
}
