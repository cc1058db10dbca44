using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training.Data;
using Xunit.Abstractions;
using FrcrnModel = SpeechSeparation.Models.Frcrn.Frcrn;

namespace SpeechSeparation.Training.Tests.Objectives;

/// <summary>FRCRN's objective: the Mix loss on the model's own spectra, its training signal and its validation metrics.</summary>
public sealed class FrcrnObjectiveTests(ITestOutputHelper output)
{
    /// <summary>
    /// A harmonic "voice" (f0 120–220 Hz, 8 harmonics, 3 Hz syllable envelope) in hiss (low-passed white noise shifted
    /// by fs/2) at 16 kHz: mixtures [n, length] and the clean voice as the single target [n, length, 1].
    /// </summary>
    internal static Batch VoiceInHiss(int n, int length, int seed, double hissLevel = 0.1)
    {
        var rng = new Random(seed);
        var mix = new float[n * length];
        var tgt = new float[n * length];
        for (int b = 0; b < n; b++)
        {
            double f0 = 120 + rng.NextDouble() * 100, lp = 0;
            for (int t = 0; t < length; t++)
            {
                double time = t / 16000.0, s = 0;
                for (int h = 1; h <= 8; h++) s += Math.Sin(2 * Math.PI * f0 * h * time) / h;
                s *= 0.1 * (1 + Math.Sin(2 * Math.PI * 3 * time));
                lp = 0.8 * lp + 0.2 * (rng.NextDouble() * 2 - 1);
                tgt[b * length + t] = (float)s;
                mix[b * length + t] = (float)(s + hissLevel * lp * (t % 2 == 0 ? 1 : -1));
            }
        }
        return new Batch(torch.tensor(mix, [n, length]).DetachFromDisposeScope(), torch.tensor(tgt, [n, length, 1]).DetachFromDisposeScope(), []);
    }

    [Fact]
    public void TheOracleCirmThroughTheModelsStftPairRebuildsTheCleanSpeech()
    {
        // The objective's target (cIRM with FRCRN's out-of-range rule) applied to the noisy spectrum and inverted with
        // the model's ConviSTFT gives back the clean speech: the loss's mask and waveform terms agree.
        using var model = new FrcrnModel(new FrcrnConfig(Width: 8));
        using var batch = VoiceInHiss(2, 8000, 4, hissLevel: 0.3);
        using var scope = torch.NewDisposeScope();
        var noisy = model.Stft.forward(batch.Mixtures);
        var clean = model.Stft.forward(batch.Targets.select(2, 0));
        var m = FrcrnLoss.TargetMask(clean, noisy);
        long f = noisy.size(1) / 2;
        Tensor yRe = noisy.narrow(1, 0, f), yIm = noisy.narrow(1, f, f), mRe = m.narrow(1, 0, f), mIm = m.narrow(1, f, f);
        var est = torch.cat([yRe * mRe - yIm * mIm, (yRe * mIm).Add(yIm * mRe)], 1);
        var wave = model.Istft.forward(est).squeeze(1);
        long n = wave.size(1);
        var reference = batch.Targets.select(2, 0).narrow(1, 0, n);
        double oracle = ScaleInvariantSnr.Compute(wave, reference).mean().ToDouble();
        double input = ScaleInvariantSnr.Compute(batch.Mixtures.narrow(1, 0, n), reference).mean().ToDouble();
        output.WriteLine($"SI-SNR noisy {input:F2} dB, oracle cIRM {oracle:F2} dB");
        Assert.True(input < 10, $"the test input is too clean ({input:F2} dB)");
        Assert.True(oracle > 25, $"oracle cIRM SI-SNR {oracle:F2} dB");
    }

    [Fact]
    public void TheMixLossTrainsBothUNetsAndValidationReportsSiSnri()
    {
        torch.manual_seed(1);
        using var model = new FrcrnModel(new FrcrnConfig(Width: 8));
        var objective = new FrcrnObjective(model);
        Assert.Equal("loss", objective.SelectionMetric);
        Assert.False(objective.HigherIsBetter);
        using var batch = VoiceInHiss(2, 8000, 1);
        using var adam = new Adam(model.parameters(), lr: 3e-3);
        var totals = new List<double>();
        for (int step = 0; step < 10; step++)
        {
            using var scope = torch.NewDisposeScope();
            using var terms = objective.Terms(batch);
            Assert.Equal(terms.Amplitude.ToDouble() + terms.Phase.ToDouble() + terms.SiSnr.ToDouble(), terms.Total.ToDouble(), 2);
            adam.ZeroGrad();
            objective.Loss(batch).backward();
            if (step == 0)
            {
                // Upstream builds four modules per U-Net that its forward never reads (fsmn_enc0, se_layer_enc6,
                // se_layer_dec5, fsmn_dec6); the squeeze-excitation layers of this width-8 net have one hidden ReLU unit,
                // which may be inactive. Every other parameter must get a non-zero gradient, the fixed STFT kernels none.
                string[] unused = [".fsmn_enc0.", ".se_layer_enc6.", ".se_layer_dec5.", ".fsmn_dec6."];
                var missing = new List<string>();
                int reached = 0;
                foreach (var (name, p) in model.named_parameters())
                {
                    if (name.StartsWith("stft.") || name.StartsWith("istft.")) Assert.True(p.grad is null, $"the fixed STFT kernel '{name}' got a gradient");
                    else if (unused.Any(u => name.Contains(u))) Assert.True(p.grad is null, $"'{name}' is unused upstream but got a gradient");
                    else if (p.grad is not null && p.grad.abs().sum().ToDouble() > 0) reached++;
                    else if (!name.Contains(".se_layer_")) missing.Add(name);
                }
                Assert.True(missing.Count == 0, $"no gradient reached {string.Join(", ", missing)}");
                Assert.True(reached > 150, $"{reached} parameters got a gradient");
            }
            adam.Step();
            totals.Add(terms.Total.ToDouble());
        }
        output.WriteLine($"Mix loss {string.Join(" → ", totals.Select(t => t.ToString("F1")))}");
        Assert.True(totals[^1] < 0.5 * totals[0], $"Mix loss {totals[0]:F1} → {totals[^1]:F1}");

        model.eval();
        using var _ = torch.no_grad();
        var metrics = objective.Validate(batch);
        using var scope2 = torch.NewDisposeScope();
        double noisy = ScaleInvariantSnr.Compute(batch.Mixtures, batch.Targets.select(2, 0)).sum().ToDouble();
        Assert.Equal(metrics["si_snr"] - noisy, metrics["si_snri"], 3);
        using var terms2 = objective.Terms(batch);
        Assert.Equal(2 * terms2.Total.ToDouble(), metrics["loss"], 1);
        Assert.Throws<ArgumentException>(() => objective.Loss(new Batch(batch.Mixtures, torch.zeros(2, 8000, 2), [])));
    }
}
