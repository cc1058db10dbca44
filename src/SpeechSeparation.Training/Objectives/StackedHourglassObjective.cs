using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training;

/// <summary>
/// Music source separation with a stacked hourglass mask network (Park et al. 2018), trained as the authors' TF code
/// trains it on MIR-1K: |STFT| (1024/256 Hann, the front end of <see cref="HourglassSeparator"/>) of the mixture and of
/// every source, all divided by the mixture's largest magnitude, Nyquist row dropped; the network maps the mixture
/// magnitude [B, 1, 512, T] to masks of every stack, and the loss is <see cref="StackedHourglassLoss"/>
/// (<c>Σ_stacks mean |Y − X·M_s|</c>). Sources keep the data set's order (MIR-1K: accompaniment, vocals); there is no
/// permutation search.
/// Validation: <c>loss</c> (the same L1 loss), and the stems rebuilt as the separator does (last stack's masks with
/// negatives set to 0, × mixture magnitude, mixture phase, inverse STFT): <c>si_snr</c> (zero-mean SI-SNR averaged over
/// the sources, dB) and <c>si_snri</c> (its improvement over the mixture; the selection metric).
/// </summary>
public sealed class StackedHourglassObjective : ITrainingObjective
{
    private readonly torch.nn.Module<Tensor, Tensor> _network;

    /// <param name="network">Mask network [B, 1, F, T] → [stacks, B, S, F, T] (<see cref="StackedHourglassNet"/> or <see cref="ZyfStackedHourglassNet"/>).</param>
    public StackedHourglassObjective(torch.nn.Module<Tensor, Tensor> network)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
    }

    /// <inheritdoc />
    public string SelectionMetric => "si_snri";

    /// <inheritdoc />
    public bool HigherIsBetter => true;

    /// <summary>
    /// The network input [B, 1, 512, T], the target magnitudes [B, S, 512, T] (both divided by each mixture's largest
    /// magnitude), the mixture magnitude [B, 513, T] and phase [B, 513, T] of a batch.
    /// </summary>
    public static (Tensor Input, Tensor Targets, Tensor Magnitude, Tensor Phase) Spectra(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long b = batch.Mixtures.size(0), n = batch.Mixtures.size(1), s = batch.Targets.size(2);
        if (n <= HourglassSeparator.FftSize / 2)
            throw new ArgumentException($"The stacked hourglass needs segments longer than {HourglassSeparator.FftSize / 2} samples (STFT {HourglassSeparator.FftSize}/{HourglassSeparator.HopLength}); got {n}.", nameof(batch));
        using var scope = torch.NewDisposeScope();
        var (magnitude, phase) = HourglassSeparator.Analyse(batch.Mixtures);                   // [B, 513, T]
        var (input, scale) = HourglassSeparator.Normalise(magnitude);                          // [B, 1, 512, T], [B, 1, 1, 1]
        var (sourceMagnitude, _) = HourglassSeparator.Analyse(batch.Targets.permute(0, 2, 1).reshape(b * s, n));
        long t = sourceMagnitude.size(2);
        var targets = sourceMagnitude.narrow(1, 0, HourglassSeparator.Bins).view(b, s, HourglassSeparator.Bins, t) / scale;
        return (input.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope(), magnitude.MoveToOuterDisposeScope(), phase.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public Tensor Loss(Batch batch)
    {
        using var scope = torch.NewDisposeScope();
        var (input, targets, _, _) = Spectra(batch);
        return StackedHourglassLoss.Compute(_network.forward(input), input, targets).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Validate(Batch batch)
    {
        using var scope = torch.NewDisposeScope();
        var (input, targets, magnitude, phase) = Spectra(batch);
        long b = batch.Mixtures.size(0), n = batch.Mixtures.size(1), s = batch.Targets.size(2);
        var masks = _network.forward(input);                                                    // [stacks, B, S, F, T]
        double loss = StackedHourglassLoss.Compute(masks, input, targets).ToDouble() * b;
        var last = masks.select(0, masks.size(0) - 1).ClampMin(0);                            // [B, S, 512, T]
        var stems = HourglassSeparator.Synthesise(last * magnitude.narrow(1, 0, HourglassSeparator.Bins).unsqueeze(1), phase, n); // [B, S, N]
        var references = batch.Targets.permute(0, 2, 1);                                       // [B, S, N]
        var est = ScaleInvariantSnr.Compute(stems, references).mean([1]);                        // [B]
        var mix = ScaleInvariantSnr.Compute(batch.Mixtures.unsqueeze(1).expand(b, s, n), references).mean([1]);
        double siSnr = est.sum().ToDouble();
        return new Dictionary<string, double> { ["si_snr"] = siSnr, ["si_snri"] = siSnr - mix.sum().ToDouble(), ["loss"] = loss };
    }
}
