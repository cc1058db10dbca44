namespace SpeechSeparation.Evaluation;

/// <summary>NSDR of one clip: BSS Eval v3 of the estimates, of the mixture, and their difference, in reference order.</summary>
/// <param name="Length">Evaluated length <c>L</c> in samples (the estimates' length; the weight in GNSDR).</param>
/// <param name="Sdr">SDR per reference after the best permutation.</param>
/// <param name="Sir">SIR per reference.</param>
/// <param name="Sar">SAR per reference.</param>
/// <param name="Permutation"><c>Permutation[j]</c> = estimate matched to reference <c>j</c>.</param>
/// <param name="SdrMixture">SDR of the mixture (used for every estimate) per reference.</param>
/// <param name="Nsdr"><c>Sdr − SdrMixture</c> per reference.</param>
public sealed record NsdrClip(int Length, double[] Sdr, double[] Sir, double[] Sar, int[] Permutation, double[] SdrMixture, double[] Nsdr);

/// <summary>
/// Normalised SDR (Hsu &amp; Jang 2010) as music-separation papers report it on MIR-1K (the stacked-hourglass evaluation):
/// per clip <c>NSDR = SDR(estimates) − SDR(mixture)</c> with <c>mir_eval</c>'s <c>bss_eval_sources</c> (permutation on),
/// references and mixture cropped to the estimates' length; <see cref="GlobalNsdr"/> accumulates the length-weighted
/// GNSDR/GSIR/GSAR. Thread-safe (the accumulator is not; give each thread its own or lock).
/// </summary>
public static class NormalizedSdr
{
    /// <summary>Evaluates one clip.</summary>
    /// <param name="references">Row-major <c>[sources, T]</c> references (MIR-1K: accompaniment, voice).</param>
    /// <param name="mixture">The mixture, <c>T</c> samples.</param>
    /// <param name="estimates">Row-major <c>[sources, L]</c> estimates with <c>L ≤ T</c>; references and mixture are cropped to L.</param>
    /// <param name="sources">Number of sources.</param>
    public static NsdrClip Evaluate(ReadOnlySpan<float> references, ReadOnlySpan<float> mixture, ReadOnlySpan<float> estimates, int sources)
    {
        int t = MetricInput.RequireSources(references, sources, nameof(references));
        int l = MetricInput.RequireSources(estimates, sources, nameof(estimates));
        MetricInput.RequireSameLength(t, mixture.Length, "references", "mixture");
        if (l > t) throw new ArgumentException($"The estimates have {l} samples, more than the references' {t}; NSDR crops the references to the estimates' length, not the other way round.", nameof(estimates));
        var refs = new float[sources * l];
        for (int j = 0; j < sources; j++) references.Slice(j * t, l).CopyTo(refs.AsSpan(j * l, l));
        var mix = mixture[..l];
        var est = BssEvalSources.Evaluate(refs, estimates, sources);
        var baseline = BssEvalSources.EvaluateMixture(refs, mix, sources);
        var nsdr = new double[sources];
        for (int j = 0; j < sources; j++) nsdr[j] = est.Sdr[j] - baseline.Sdr[j];
        return new NsdrClip(l, est.Sdr, est.Sir, est.Sar, est.Permutation, baseline.Sdr, nsdr);
    }
}

/// <summary>Length-weighted means over clips: GNSDR, GSIR, GSAR (<c>Σ_k L_k·x_k / Σ_k L_k</c>), per source.</summary>
public sealed class GlobalNsdr
{
    private double[]? _nsdr, _sir, _sar;

    /// <summary>Total weight <c>Σ L_k</c>.</summary>
    public long TotalLength { get; private set; }

    /// <summary>Number of clips added.</summary>
    public int Clips { get; private set; }

    /// <summary>Adds a clip.</summary>
    public void Add(NsdrClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        int n = clip.Nsdr.Length;
        _nsdr ??= new double[n]; _sir ??= new double[n]; _sar ??= new double[n];
        if (_nsdr.Length != n) throw new ArgumentException($"The clip has {n} sources; earlier clips had {_nsdr.Length}.", nameof(clip));
        for (int j = 0; j < n; j++)
        {
            _nsdr[j] += clip.Length * clip.Nsdr[j];
            _sir[j] += clip.Length * clip.Sir[j];
            _sar[j] += clip.Length * clip.Sar[j];
        }
        TotalLength += clip.Length;
        Clips++;
    }

    /// <summary>GNSDR per source.</summary>
    public double[] Gnsdr => Mean(_nsdr);

    /// <summary>GSIR per source.</summary>
    public double[] Gsir => Mean(_sir);

    /// <summary>GSAR per source.</summary>
    public double[] Gsar => Mean(_sar);

    private double[] Mean(double[]? sum)
    {
        if (sum is null || TotalLength == 0) throw new InvalidOperationException("No clip has been added.");
        return sum.Select(s => s / TotalLength).ToArray();
    }
}
