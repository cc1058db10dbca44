using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// Model-driven evaluation: maps a mixture to its estimated sources (one buffer per source, same rate as the mixture;
/// a single buffer for enhancement). The public API adapts its separators and enhancers to this interface, so the
/// evaluation assembly needs no model dependency.
/// </summary>
/// <remarks>The evaluator may call <see cref="Estimate"/> concurrently; implementations that are not thread-safe should
/// be run with <see cref="EvaluationOptions.MaxDegreeOfParallelism"/> = 1.</remarks>
public interface ISourceEstimator
{
    /// <summary>Estimates the sources of <paramref name="mixture"/>.</summary>
    IReadOnlyList<AudioBuffer> Estimate(AudioBuffer mixture, CancellationToken cancellationToken);
}

/// <summary>An <see cref="ISourceEstimator"/> from a delegate.</summary>
/// <param name="estimate">The function mapping a mixture to its sources.</param>
public sealed class DelegateSourceEstimator(Func<AudioBuffer, CancellationToken, IReadOnlyList<AudioBuffer>> estimate) : ISourceEstimator
{
    /// <inheritdoc />
    public IReadOnlyList<AudioBuffer> Estimate(AudioBuffer mixture, CancellationToken cancellationToken) => estimate(mixture, cancellationToken);
}
