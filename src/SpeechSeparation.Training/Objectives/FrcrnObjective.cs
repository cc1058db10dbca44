using SpeechSeparation.Tensors;
using SpeechSeparation.Training.Data;
using F = TorchSharp.torch.nn.functional;
using FrcrnModel = SpeechSeparation.Models.Frcrn.Frcrn;

namespace SpeechSeparation.Training;

/// <summary>
/// FRCRN speech enhancement (Zhao et al., ICASSP 2022) trained with its "Mix" loss (<see cref="FrcrnLoss"/>: cIRM
/// target-mask MSE on the real and imaginary parts of the stage-2 mask plus minus the SI-SNR of the stage-2 waveform).
/// Batches hold the noisy input as the mixture and the clean speech as the single target (<see cref="NoisyCleanDataset"/>).
/// The clean and noisy spectra come from the model's own ConvSTFT; the stage-2 waveform is cut (or zero-padded) to the
/// input length, as the enhancer does at inference.
/// Validation: <c>loss</c> (the Mix loss; the selection metric, lower is better, as ClearerVoice's trainer keeps the
/// checkpoint of the lowest validation loss), <c>si_snr</c> (zero-mean SI-SNR of the enhanced speech, dB) and
/// <c>si_snri</c> (its improvement over the noisy input).
/// </summary>
public sealed class FrcrnObjective : ITrainingObjective
{
    private readonly FrcrnModel _model;

    /// <param name="model">The FRCRN network being trained.</param>
    public FrcrnObjective(FrcrnModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
    }

    /// <inheritdoc />
    public string SelectionMetric => "loss";

    /// <inheritdoc />
    public bool HigherIsBetter => false;

    /// <summary>The noisy [B, N] and clean [B, N] waveforms of a batch (one target source).</summary>
    private static (Tensor Noisy, Tensor Clean) Split(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Targets.size(2) != 1)
            throw new ArgumentException($"FRCRN enhances one source: the batch has {batch.Targets.size(2)} targets per example (use noisy/clean data).", nameof(batch));
        return (batch.Mixtures, batch.Targets.select(2, 0));
    }

    /// <summary>The stage-2 waveform cut or zero-padded to <paramref name="length"/> samples.</summary>
    private static Tensor Fit(Tensor wave, long length)
    {
        long n = wave.size(1);
        return n >= length ? wave.narrow(1, 0, length) : F.pad(wave, [0, length - n]);
    }

    /// <summary>The loss terms of a batch (the model's current mode).</summary>
    public FrcrnLossTerms Terms(Batch batch)
    {
        var (noisy, clean) = Split(batch);
        using var scope = torch.NewDisposeScope();
        using var output = _model.forward(noisy);
        var noisySpec = _model.Stft.forward(noisy);
        var cleanSpec = _model.Stft.forward(clean);
        var terms = FrcrnLoss.Compute(cleanSpec, noisySpec, output.MaskL2, Fit(output.WavL2, noisy.size(1)), clean);
        return new FrcrnLossTerms(terms.Total.MoveToOuterDisposeScope(), terms.Amplitude.MoveToOuterDisposeScope(),
            terms.Phase.MoveToOuterDisposeScope(), terms.SiSnr.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public Tensor Loss(Batch batch)
    {
        using var terms = Terms(batch);
        return terms.Total.alias();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Validate(Batch batch)
    {
        var (noisy, clean) = Split(batch);
        using var scope = torch.NewDisposeScope();
        using var output = _model.forward(noisy);
        var enhanced = Fit(output.WavL2, noisy.size(1));
        var noisySpec = _model.Stft.forward(noisy);
        var cleanSpec = _model.Stft.forward(clean);
        double loss = FrcrnLoss.Compute(cleanSpec, noisySpec, output.MaskL2, enhanced, clean).Total.ToDouble() * batch.Mixtures.size(0);
        var est = ScaleInvariantSnr.Compute(enhanced, clean);                 // [B]
        var input = ScaleInvariantSnr.Compute(noisy, clean);
        double siSnr = est.sum().ToDouble();
        return new Dictionary<string, double> { ["si_snr"] = siSnr, ["si_snri"] = siSnr - input.sum().ToDouble(), ["loss"] = loss };
    }
}
