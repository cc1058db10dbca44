namespace SpeechSeparation.Evaluation;

/// <summary>
/// An extra full-reference (intrusive) metric the <see cref="DatasetEvaluator"/> computes for every source next to the
/// built-in ones — the extension point for metrics the library does not ship, PESQ in particular: the ITU-T P.862
/// reference code is normative and its licence forbids translating it, so plug in an implementation you are licensed
/// to run (a native wrapper, a service, a Python bridge) through this interface.
/// </summary>
/// <remarks>Implementations must be thread-safe: the evaluator calls <see cref="Compute"/> from several threads.</remarks>
public interface IFullReferenceMetric
{
    /// <summary>Column name in the results (e.g. <c>pesq_wb</c>); letters, digits and underscores.</summary>
    string Name { get; }

    /// <summary>The sample rates the metric accepts, or null for any (PESQ: 8000 and 16000).</summary>
    IReadOnlyCollection<int>? SupportedSampleRates { get; }

    /// <summary>Scores <paramref name="estimate"/> against <paramref name="reference"/> (same length, mono).</summary>
    /// <exception cref="ArgumentException">Inputs the metric cannot score; the evaluator records the message and goes on.</exception>
    double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, int sampleRate);
}
