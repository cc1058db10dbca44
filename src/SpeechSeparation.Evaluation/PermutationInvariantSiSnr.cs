namespace SpeechSeparation.Evaluation;

/// <summary>The outcome of a permutation-invariant evaluation of several sources.</summary>
public sealed class PermutationInvariantResult
{
    internal PermutationInvariantResult(int sources, double[] matrix, int[] permutation)
    {
        Sources = sources;
        Matrix = matrix;
        Permutation = permutation;
        Scores = new double[sources];
        for (int j = 0; j < sources; j++) Scores[j] = matrix[j * sources + permutation[j]];
        Mean = Scores.Average();
    }

    /// <summary>Number of sources.</summary>
    public int Sources { get; }

    /// <summary>Row-major <c>[reference j, estimate i]</c> scores of every pair.</summary>
    public double[] Matrix { get; }

    /// <summary><c>Permutation[j]</c> is the estimate assigned to reference <c>j</c>.</summary>
    public int[] Permutation { get; }

    /// <summary>Score of each reference with its assigned estimate, in reference order.</summary>
    public double[] Scores { get; }

    /// <summary>Mean of <see cref="Scores"/> (what PIT losses and the recipes report).</summary>
    public double Mean { get; }

    /// <summary>
    /// The SpeechBrain <c>PitWrapper</c> convention: <c>p[i]</c> is the reference paired with estimate <c>i</c>
    /// (the inverse of <see cref="Permutation"/>).
    /// </summary>
    public int[] EstimateToReference => PermutationSearch.Invert(Permutation);
}

/// <summary>
/// Permutation-invariant SI-SNR (the <see cref="ScaleInvariantSnr"/> formula): every (reference, estimate) pair is
/// scored and the assignment with the largest mean is kept — exhaustively in lexicographic order for up to
/// <see cref="PermutationSearch.DefaultExhaustiveLimit"/> sources (first optimum, as SpeechBrain and Asteroid), with the
/// Hungarian algorithm beyond. Thread-safe.
/// </summary>
public static class PermutationInvariantSiSnr
{
    /// <summary>Evaluates <paramref name="sources"/> estimates against as many references.</summary>
    /// <param name="references">Row-major <c>[sources, samples]</c> reference signals.</param>
    /// <param name="estimates">Row-major <c>[sources, samples]</c> estimates, in any order.</param>
    /// <param name="sources">Number of sources.</param>
    /// <param name="exhaustiveLimit">Largest source count searched exhaustively.</param>
    public static PermutationInvariantResult Compute(ReadOnlySpan<float> references, ReadOnlySpan<float> estimates, int sources,
        int exhaustiveLimit = PermutationSearch.DefaultExhaustiveLimit)
    {
        int n = MetricInput.RequireSources(references, sources, nameof(references));
        MetricInput.RequireSameLength(references.Length, estimates.Length, "references", "estimates");
        MetricInput.RequireFinite(estimates, nameof(estimates));
        for (int j = 0; j < sources; j++)
            if (MetricInput.IsSilent(references.Slice(j * n, n)))
                throw new ArgumentException($"Reference source {j} is all zeros (silent); SI-SNR is undefined for it.", nameof(references));
        var m = new double[sources * sources];
        for (int j = 0; j < sources; j++)
            for (int i = 0; i < sources; i++)
                m[j * sources + i] = ScaleInvariantSnr.ComputeUnchecked(references.Slice(j * n, n), estimates.Slice(i * n, n));
        var perm = PermutationSearch.Find(m, sources, PermutationObjective.Maximize, exhaustiveLimit);
        return new PermutationInvariantResult(sources, m, perm);
    }

    /// <summary>
    /// SI-SNR of the mixture used as every estimate (the baseline of SI-SNRi): <c>mean_j SI-SNR(reference j, mixture)</c>.
    /// </summary>
    public static double MixtureBaseline(ReadOnlySpan<float> references, ReadOnlySpan<float> mixture, int sources)
    {
        int n = MetricInput.RequireSources(references, sources, nameof(references));
        MetricInput.RequireSameLength(n, mixture.Length, "references", "mixture");
        MetricInput.RequireFinite(mixture, nameof(mixture));
        double sum = 0;
        for (int j = 0; j < sources; j++)
        {
            var r = references.Slice(j * n, n);
            MetricInput.RequireNotSilent(r, $"reference source {j}");
            sum += ScaleInvariantSnr.ComputeUnchecked(r, mixture);
        }
        return sum / sources;
    }

    /// <summary>
    /// SI-SNR improvement as the SpeechBrain WSJ0-Mix recipe reports it: PIT SI-SNR of the estimates minus that of the
    /// mixture repeated for every source.
    /// </summary>
    public static double Improvement(ReadOnlySpan<float> references, ReadOnlySpan<float> estimates, ReadOnlySpan<float> mixture, int sources) =>
        Compute(references, estimates, sources).Mean - MixtureBaseline(references, mixture, sources);
}
