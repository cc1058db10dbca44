using SpeechSeparation.Evaluation;
using SpeechSeparation.Signal;

namespace SpeechSeparation;

/// <summary>Lets the evaluator run a separator or an enhancer over a data set (<see cref="DatasetEvaluator"/>).</summary>
public static class SeparatorEstimator
{
    /// <summary>An <see cref="ISourceEstimator"/> returning the separator's stems.</summary>
    public static ISourceEstimator AsEstimator(this ISeparator separator) =>
        new DelegateSourceEstimator((mix, ct) => separator.Separate(mix, null, ct).Sources);

    /// <summary>An <see cref="ISourceEstimator"/> returning the enhancer's single output.</summary>
    public static ISourceEstimator AsEstimator(this IEnhancer enhancer) =>
        new DelegateSourceEstimator((mix, ct) => [enhancer.Enhance(mix, null, ct)]);
}
