using SpeechSeparation.Tensors;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training;

/// <summary>
/// Speech separation with permutation-invariant SI-SNR (SpeechBrain's recipes for SepFormer-style models, and the
/// MossFormer/MossFormer2 recipes): loss = batch mean of <see cref="PitSiSnrLoss"/>; validation = SI-SNR of the
/// best permutation (<c>si_snr</c>) and its improvement over the unprocessed mixture (<c>si_snri</c>, the selection
/// metric), both in dB.
/// </summary>
public sealed class PitSiSnrObjective : ITrainingObjective
{
    private readonly Func<Tensor, Tensor> _estimate;

    /// <param name="estimate">Mixtures [B, T] → estimated sources [B, T, S] (SpeechBrain's layout).</param>
    public PitSiSnrObjective(Func<Tensor, Tensor> estimate)
    {
        _estimate = estimate ?? throw new ArgumentNullException(nameof(estimate));
    }

    /// <inheritdoc />
    public string SelectionMetric => "si_snri";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <inheritdoc />
    public Tensor Loss(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = torch.NewDisposeScope();
        return PitSiSnrLoss.Loss(batch.Targets, _estimate(batch.Mixtures)).mean().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Validate(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = torch.NewDisposeScope();
        long s = batch.Targets.size(2);
        var mixtures = batch.Mixtures.unsqueeze(2).expand(-1, -1, s);
        double est = -PitSiSnrLoss.Loss(batch.Targets, _estimate(batch.Mixtures)).sum().ToDouble();
        double mix = -PitSiSnrLoss.Loss(batch.Targets, mixtures).sum().ToDouble();
        return new Dictionary<string, double> { ["si_snr"] = est, ["si_snri"] = est - mix };
    }
}
