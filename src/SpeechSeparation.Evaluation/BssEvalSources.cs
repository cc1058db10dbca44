using System.Numerics.Tensors;

namespace SpeechSeparation.Evaluation;

/// <summary>BSS Eval v3 criteria of several sources, in reference order.</summary>
public sealed class BssEvalResult
{
    internal BssEvalResult(int sources, double[] sdr, double[] sir, double[] sar, int[] permutation,
        double[]? sdrMatrix, double[]? sirMatrix, double[]? sarMatrix)
    {
        Sources = sources;
        Sdr = sdr; Sir = sir; Sar = sar;
        Permutation = permutation;
        SdrMatrix = sdrMatrix; SirMatrix = sirMatrix; SarMatrix = sarMatrix;
    }

    /// <summary>Number of sources.</summary>
    public int Sources { get; }

    /// <summary>Signal-to-distortion ratio per reference, dB.</summary>
    public double[] Sdr { get; }

    /// <summary>Signal-to-interference ratio per reference, dB (+∞ with a single source).</summary>
    public double[] Sir { get; }

    /// <summary>Signal-to-artifacts ratio per reference, dB.</summary>
    public double[] Sar { get; }

    /// <summary><c>Permutation[j]</c> is the estimate matched to reference <c>j</c> (mir_eval's <c>perm</c>).</summary>
    public int[] Permutation { get; }

    /// <summary>Row-major <c>[estimate, reference]</c> SDR of every pair (null without permutation search).</summary>
    public double[]? SdrMatrix { get; }

    /// <summary>Row-major <c>[estimate, reference]</c> SIR of every pair (null without permutation search).</summary>
    public double[]? SirMatrix { get; }

    /// <summary>Row-major <c>[estimate, reference]</c> SAR of every pair (null without permutation search).</summary>
    public double[]? SarMatrix { get; }
}

/// <summary>
/// BSS Eval v3 as <c>mir_eval.separation.bss_eval_sources</c> computes it: each estimate is decomposed by least-squares
/// projection on 512-tap filtered references into target, interference and artifacts; SDR/SIR/SAR follow, and the
/// permutation with the best mean SIR (first maximum in lexicographic order) is chosen.
/// </summary>
/// <remarks>
/// <para>The projections' energies come from the normal equations (<c>‖P y‖² = cᵀD</c>), so no convolution is needed
/// except for near-perfect estimates (residual below 1e-8 of the energy), where the residual is formed explicitly.</para>
/// <para>Validation (<see cref="ArgumentException"/>): different shapes, an all-zero reference or estimate, non-finite
/// samples, more than 100 sources. Thread-safe: no shared state.</para>
/// </remarks>
public static class BssEvalSources
{
    /// <summary>The distortion filter length of BSS Eval v3 (512 taps).</summary>
    public const int FilterLength = 512;

    /// <summary>The largest number of sources mir_eval accepts.</summary>
    public const int MaxSources = 100;

    /// <summary>Largest source count searched exhaustively; the Hungarian algorithm is used beyond (mir_eval is always exhaustive).</summary>
    public const int ExhaustiveLimit = 8;

    /// <summary>Evaluates <paramref name="sources"/> estimates against as many references.</summary>
    /// <param name="references">Row-major <c>[sources, samples]</c> references.</param>
    /// <param name="estimates">Row-major <c>[sources, samples]</c> estimates.</param>
    /// <param name="sources">Number of sources.</param>
    /// <param name="computePermutation">Search the best assignment (default, as mir_eval); otherwise estimate j ↔ reference j.</param>
    public static BssEvalResult Evaluate(ReadOnlySpan<float> references, ReadOnlySpan<float> estimates, int sources, bool computePermutation = true)
    {
        var (r, e) = Prepare(references, estimates, sources);
        return Evaluate(r, e, computePermutation);
    }

    /// <inheritdoc cref="Evaluate(ReadOnlySpan{float}, ReadOnlySpan{float}, int, bool)"/>
    public static BssEvalResult Evaluate(ReadOnlySpan<double> references, ReadOnlySpan<double> estimates, int sources, bool computePermutation = true)
    {
        if (sources <= 0) throw new ArgumentOutOfRangeException(nameof(sources), sources, "The number of sources must be positive.");
        if (references.Length % sources != 0) throw new ArgumentException($"The references hold {references.Length} samples, not a multiple of {sources} sources.", nameof(references));
        MetricInput.RequireSameLength(references.Length, estimates.Length, "references", "estimates");
        int n = references.Length / sources;
        var r = new double[sources][];
        var e = new double[sources][];
        for (int j = 0; j < sources; j++)
        {
            r[j] = references.Slice(j * n, n).ToArray();
            e[j] = estimates.Slice(j * n, n).ToArray();
        }
        Validate(r, e);
        return Evaluate(r, e, computePermutation);
    }

    /// <summary>Single source: SDR, SIR (+∞) and SAR of <paramref name="estimate"/> against <paramref name="reference"/>.</summary>
    public static (double Sdr, double Sir, double Sar) Evaluate(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        MetricInput.RequireSameLength(reference.Length, estimate.Length);
        var res = Evaluate(reference, estimate, 1, computePermutation: false);
        return (res.Sdr[0], res.Sir[0], res.Sar[0]);
    }

    /// <summary>
    /// The mixture used as every estimate: <c>bss_eval_sources(references, [mixture]·n)</c> (the baseline of SDRi as the
    /// SpeechBrain recipe computes it, and of NSDR). All permutations tie, so the identity is kept.
    /// </summary>
    public static BssEvalResult EvaluateMixture(ReadOnlySpan<float> references, ReadOnlySpan<float> mixture, int sources)
    {
        if (sources <= 0) throw new ArgumentOutOfRangeException(nameof(sources), sources, "The number of sources must be positive.");
        int n = MetricInput.RequireSources(references, sources, nameof(references));
        MetricInput.RequireSameLength(n, mixture.Length, "references", "mixture");
        var rep = new float[references.Length];
        for (int j = 0; j < sources; j++) mixture.CopyTo(rep.AsSpan(j * n, n));
        var (r, e) = Prepare(references, rep, sources);
        var projector = new BssProjector(r, 1, FilterLength, 0.0);
        var (sdr, sir, sar) = Decompose(projector, e[0], sources);
        projector.ReleaseSpectra();
        var res = new double[3][];
        for (int k = 0; k < 3; k++) res[k] = new double[sources];
        for (int j = 0; j < sources; j++) { res[0][j] = sdr[j]; res[1][j] = sir[j]; res[2][j] = sar[j]; }
        return new BssEvalResult(sources, res[0], res[1], res[2], Enumerable.Range(0, sources).ToArray(), null, null, null);
    }

    /// <summary>
    /// SDR improvement as the SpeechBrain WSJ0-Mix recipe computes it:
    /// <c>mean(SDR(references, estimates)) − mean(SDR(references, mixture repeated))</c>, both with permutation.
    /// </summary>
    public static double SdrImprovement(ReadOnlySpan<float> references, ReadOnlySpan<float> estimates, ReadOnlySpan<float> mixture, int sources) =>
        Evaluate(references, estimates, sources).Sdr.Average() - EvaluateMixture(references, mixture, sources).Sdr.Average();

    private static (double[][] R, double[][] E) Prepare(ReadOnlySpan<float> references, ReadOnlySpan<float> estimates, int sources)
    {
        int n = MetricInput.RequireSources(references, sources, nameof(references));
        MetricInput.RequireSameLength(references.Length, estimates.Length, "references", "estimates");
        var r = new double[sources][];
        var e = new double[sources][];
        for (int j = 0; j < sources; j++)
        {
            r[j] = MetricInput.ToDouble(references.Slice(j * n, n));
            e[j] = MetricInput.ToDouble(estimates.Slice(j * n, n));
        }
        Validate(r, e);
        return (r, e);
    }

    private static void Validate(double[][] r, double[][] e)
    {
        if (r.Length > MaxSources)
            throw new ArgumentException($"{r.Length} sources given; BSS Eval accepts at most {MaxSources} (are the arrays transposed?).");
        for (int j = 0; j < r.Length; j++)
        {
            MetricInput.RequireFinite(r[j], $"reference source {j}");
            MetricInput.RequireFinite(e[j], $"estimate {j}");
            if (MetricInput.IsSilent(r[j])) throw new ArgumentException($"Reference source {j} is all zeros (silent); BSS Eval is undefined for it.", "references");
            if (MetricInput.IsSilent(e[j])) throw new ArgumentException($"Estimate {j} is all zeros (silent); BSS Eval is undefined for it.", "estimates");
        }
    }

    private static BssEvalResult Evaluate(double[][] r, double[][] e, bool computePermutation)
    {
        int n = r.Length;
        var projector = new BssProjector(r, 1, FilterLength, 0.0);
        if (!computePermutation)
        {
            var sdr = new double[n]; var sir = new double[n]; var sar = new double[n];
            for (int j = 0; j < n; j++)
            {
                var (a, b, c) = Decompose(projector, e[j], n, onlyReference: j);
                sdr[j] = a[j]; sir[j] = b[j]; sar[j] = c[j];
            }
            projector.ReleaseSpectra();
            return new BssEvalResult(n, sdr, sir, sar, Enumerable.Range(0, n).ToArray(), null, null, null);
        }
        var mSdr = new double[n * n]; var mSir = new double[n * n]; var mSar = new double[n * n];
        for (int est = 0; est < n; est++)
        {
            var (a, b, c) = Decompose(projector, e[est], n);
            for (int j = 0; j < n; j++) { mSdr[est * n + j] = a[j]; mSir[est * n + j] = b[j]; mSar[est * n + j] = c[j]; }
        }
        projector.ReleaseSpectra();
        // perm[j] = estimate for reference j, maximising mean SIR[perm[j], j].
        var byRef = PermutationSearch.Transpose(mSir, n);
        var perm = PermutationSearch.Find(byRef, n, PermutationObjective.Maximize, ExhaustiveLimit);
        var sdrP = new double[n]; var sirP = new double[n]; var sarP = new double[n];
        for (int j = 0; j < n; j++)
        {
            sdrP[j] = mSdr[perm[j] * n + j]; sirP[j] = mSir[perm[j] * n + j]; sarP[j] = mSar[perm[j] * n + j];
        }
        return new BssEvalResult(n, sdrP, sirP, sarP, perm, mSdr, mSir, mSar);
    }

    /// <summary>Criteria of one estimate against every reference (or only <paramref name="onlyReference"/>).</summary>
    internal static (double[] Sdr, double[] Sir, double[] Sar) Decompose(BssProjector projector, double[] estimate, int n, int onlyReference = -1)
    {
        int l = projector.FilterLength;
        var sdr = new double[n]; var sir = new double[n]; var sar = new double[n];
        double yy = TensorPrimitives.Dot(estimate, estimate);
        var d = projector.RightHandSide(estimate);
        var cAll = (double[])d.Clone();
        projector.SolveAll(cAll);
        double pAll = TensorPrimitives.Dot(cAll, d);
        double artif = yy - pAll;
        if (!(artif > 1e-8 * yy)) artif = ExplicitResidual(projector, cAll, 0, estimate);
        for (int j = 0; j < n; j++)
        {
            if (onlyReference >= 0 && j != onlyReference) continue;
            double pj;
            double[] cj;
            if (n == 1) { pj = pAll; cj = cAll; }
            else
            {
                cj = d.AsSpan(j * l, l).ToArray();
                projector.SolveGroup(j, cj);
                pj = TensorPrimitives.Dot(cj, d.AsSpan(j * l, l));
            }
            double distortion = yy - pj;
            if (!(distortion > 1e-8 * yy)) distortion = ExplicitResidual(projector, cj, n == 1 ? 0 : j, estimate);
            double interf = n == 1 ? 0.0 : Math.Max(pAll - pj, 0.0);
            sdr[j] = Decibels(pj, distortion);
            sir[j] = Decibels(pj, interf);
            sar[j] = Decibels(pAll, artif);
        }
        return (sdr, sir, sar);
    }

    /// <summary><c>10·log10(num / den)</c>; a zero denominator gives +∞ as numpy does.</summary>
    internal static double Decibels(double num, double den) => den == 0 ? double.PositiveInfinity : 10.0 * Math.Log10(num / den);

    /// <summary>‖y(padded) − Σ filters ∗ references‖² formed sample by sample (for near-perfect estimates).</summary>
    private static double ExplicitResidual(BssProjector projector, double[] filters, int firstSignal, double[] estimate)
    {
        int t = projector.Length, l = projector.FilterLength;
        var p = new double[t + l - 1];
        projector.AccumulateProjection(filters, firstSignal, Range.All, p);
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double y = i < estimate.Length ? estimate[i] : 0.0;
            double r = y - p[i];
            sum += r * r;
        }
        return sum;
    }
}
