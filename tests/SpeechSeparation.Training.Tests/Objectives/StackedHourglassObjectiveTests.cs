using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training.Tests.Objectives;

/// <summary>The stacked hourglass objective's spectra, loss and reconstruction.</summary>
public sealed class StackedHourglassObjectiveTests
{
    /// <summary>A "network" that returns fixed masks [stacks, B, S, F, T] whatever its input.</summary>
    private sealed class FixedMasks(Tensor masks) : Module<Tensor, Tensor>
    {
        public override Tensor forward(Tensor input) => masks.alias();
    }

    /// <summary>Two stems at 8 kHz: a 150 Hz harmonic tone (accompaniment) and a gated 900 Hz tone (vocals); [n, T], [n, T, 2].</summary>
    private static Batch Stems(int n, int length)
    {
        var mix = new float[n * length];
        var tgt = new float[n * length * 2];
        for (int b = 0; b < n; b++)
            for (int t = 0; t < length; t++)
            {
                double time = t / 8000.0;
                double acc = 0.3 * (Math.Sin(2 * Math.PI * (150 + 20 * b) * time) + 0.5 * Math.Sin(2 * Math.PI * (300 + 40 * b) * time));
                double voc = (time * 4 % 1 < 0.6 ? 0.3 : 0) * Math.Sin(2 * Math.PI * 900 * time);
                tgt[(b * length + t) * 2] = (float)acc;
                tgt[(b * length + t) * 2 + 1] = (float)voc;
                mix[b * length + t] = (float)(acc + voc);
            }
        return new Batch(torch.tensor(mix, [n, length]).DetachFromDisposeScope(), torch.tensor(tgt, [n, length, 2]).DetachFromDisposeScope(), []);
    }

    [Fact]
    public void OracleMasksGiveZeroLossAndCleanStemsAndConstantMasksGiveTheMixture()
    {
        using var batch = Stems(2, 8000);
        using var scope = torch.NewDisposeScope();
        var (input, targets, magnitude, phase) = StackedHourglassObjective.Spectra(batch);
        long frames = 1 + 8000 / HourglassSeparator.HopLength;
        Assert.Equal(new long[] { 2, 1, 512, frames }, input.shape);
        Assert.Equal(new long[] { 2, 2, 512, frames }, targets.shape);
        Assert.Equal(new long[] { 2, 513, frames }, magnitude.shape);
        Assert.Equal(new long[] { 2, 513, frames }, phase.shape);
        var (peaks, _) = input.reshape(2, -1).max(1);
        Assert.Equal(1.0, peaks.min().ToDouble(), 5);                                  // each mixture normalised by its own maximum

        // Ideal ratio masks (|Y_s| / |X|, 0 where the mixture is silent), the same at both stacks: loss ≈ 0 and the
        // rebuilt stems are close to the references (the mixture phase limits them).
        var irm = torch.where(input.gt(1e-6), targets / input.clamp_min(1e-6), torch.zeros_like(targets));
        var oracle = new StackedHourglassObjective(new FixedMasks(torch.stack([irm, irm])));
        var good = oracle.Validate(batch);
        Assert.True(good["loss"] / 2 < 1e-4, $"oracle loss {good["loss"] / 2}");
        Assert.True(good["si_snr"] / 2 > 15, $"oracle SI-SNR {good["si_snr"] / 2:F2} dB");
        Assert.True(oracle.Loss(batch).ToDouble() < 1e-4);

        // All-ones masks return the mixture for every stem: SI-SNRi 0, and the loss is Σ_stacks mean |Y − X|.
        var ones = torch.ones([2, 2, 2, 512, frames]);
        var identity = new StackedHourglassObjective(new FixedMasks(ones)).Validate(batch);
        Assert.Equal(0, identity["si_snri"], 1);
        Assert.Equal(2 * 2 * (targets - input).abs().mean().ToDouble(), identity["loss"], 4);

        // Segments too short for the 1024-point STFT are refused with the reason.
        using var tiny = new Batch(torch.zeros(1, 400), torch.zeros(1, 400, 2), []);
        Assert.Contains("longer than 512 samples", Assert.Throws<ArgumentException>(() => oracle.Loss(tiny)).Message);
    }
}
