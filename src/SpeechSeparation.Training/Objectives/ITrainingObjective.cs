using SpeechSeparation.Tensors;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training;

/// <summary>
/// What <see cref="SeparationTrainer"/> optimises and how it validates: the training loss of a batch and the
/// validation metrics of a batch. <see cref="PitSiSnrObjective"/> (separation), <see cref="FrcrnObjective"/>
/// (enhancement with FRCRN's cIRM + SI-SNR loss) and <see cref="StackedHourglassObjective"/> (music separation with
/// intermediate supervision) implement it.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>
    /// The validation metric (a key of <see cref="Validate"/>'s result) that selects <c>best.pt</c>, drives the plateau
    /// scheduler and early stopping.
    /// </summary>
    string SelectionMetric { get; }

    /// <summary>Whether a larger <see cref="SelectionMetric"/> is better (SI-SNRi) or a smaller one (a loss).</summary>
    bool HigherIsBetter { get; }

    /// <summary>The differentiable scalar training loss of a batch (mean over its examples), in training mode.</summary>
    /// <param name="batch">Mixtures [B, T] and targets [B, T, S].</param>
    Tensor Loss(Batch batch);

    /// <summary>
    /// Validation metrics of a batch, each summed over the batch's examples (the trainer divides by the number of
    /// examples), computed without gradients in evaluation mode. Names are snake_case (<c>si_snr</c>, <c>si_snri</c>,
    /// <c>loss</c>); <c>si_snr</c> and <c>si_snri</c> fill <see cref="EpochMetrics.ValidSiSnr"/> and
    /// <see cref="EpochMetrics.ValidSiSnri"/>.
    /// </summary>
    /// <param name="batch">Mixtures [B, T] and targets [B, T, S].</param>
    IReadOnlyDictionary<string, double> Validate(Batch batch);
}
