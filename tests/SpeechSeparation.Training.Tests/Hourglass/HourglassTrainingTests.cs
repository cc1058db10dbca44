using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Tensors;
using Xunit.Abstractions;

namespace SpeechSeparation.Training.Tests.Hourglass;

/// <summary>
/// The stacked hourglass network and the learned-encoder baseline train with the training assembly: losses with
/// gradients into every parameter, Adam, and checkpoints that round-trip the model.
/// </summary>
public sealed class HourglassTrainingTests(ITestOutputHelper output) : IDisposable
{
    private const int Bins = 32, Frames = 32;
    private readonly string _dir = Directory.CreateTempSubdirectory("ss-hg-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A small hourglass (2 stacks, depth 2, 16 channels) for fast tests.</summary>
    private static HourglassConfig Small { get; } = new(2, 2, 2, 16, 0, [8, 8, 8, 8]);

    /// <summary>
    /// Synthetic magnitude task: "accompaniment" is harmonic energy in the lower half of the bins (horizontal lines),
    /// "vocals" broadband onsets in random frames of the upper half; mixture = sum. Returns mixture [B, 1, F, T] and
    /// targets [B, 2, F, T].
    /// </summary>
    private static (Tensor Mixture, Tensor Targets) Batch(Random rng, int n)
    {
        var tgt = new float[n * 2 * Bins * Frames];
        for (int b = 0; b < n; b++)
        {
            int bin = 2 + rng.Next(Bins / 2 - 4);
            for (int t = 0; t < Frames; t++)
            {
                tgt[((b * 2 + 0) * Bins + bin) * Frames + t] = 0.5f + (float)rng.NextDouble() * 0.5f;
                tgt[((b * 2 + 0) * Bins + bin + 1) * Frames + t] = 0.25f;
            }
            for (int k = 0; k < 4; k++)
            {
                int t = rng.Next(Frames);
                float a = 0.5f + (float)rng.NextDouble() * 0.5f;
                for (int f = Bins / 2; f < Bins; f++) tgt[((b * 2 + 1) * Bins + f) * Frames + t] = a;
            }
        }
        var targets = torch.tensor(tgt, [n, 2, Bins, Frames]);
        return (targets.sum(1, keepdim: true), targets);
    }

    [Fact]
    public void StackedHourglassLearnsSyntheticMasksAndCheckpointsRoundTrip()
    {
        torch.manual_seed(0);
        using var model = new StackedHourglassNet(Small);
        using var adam = new Adam(model.parameters(), lr: 3e-3);
        var rng = new Random(3);
        var losses = new List<double>();
        for (int step = 0; step < 40; step++)
        {
            using var scope = torch.NewDisposeScope();
            var (mix, targets) = Batch(rng, 4);
            var loss = StackedHourglassLoss.Compute(model.forward(mix), mix, targets);
            adam.ZeroGrad();
            loss.backward();
            if (step == 0)
                foreach (var (name, p) in model.named_parameters())
                {
                    var g = p.grad;
                    Assert.True(g is not null, $"no gradient reached '{name}'");
                    Assert.True(g!.abs().sum().ToDouble() > 0, $"the gradient of '{name}' is zero");
                }
            adam.Step();
            losses.Add(loss.ToDouble());
        }
        double first = losses.Take(3).Average(), last = losses.TakeLast(3).Average();
        output.WriteLine($"hourglass loss {first:F4} → {last:F4}");
        Assert.True(last < 0.4 * first, $"loss {first:F4} → {last:F4} (want below 40 %)");

        // The loss agrees with the model assembly's definition.
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var (mix, targets) = Batch(new Random(77), 2);
            var masks = model.forward(mix);
            Assert.Equal(HourglassLoss.StackedL1(masks, mix, targets).ToDouble(), StackedHourglassLoss.Compute(masks, mix, targets).ToDouble(), 5);
        }

        // Checkpoint round trip: a fresh model restored from the file gives the same masks.
        var path = Path.Combine(_dir, "hg.pt");
        TrainingCheckpoint.Capture(model, adam, null, 1, 30, last, null).Save(path);
        torch.manual_seed(5);
        using var restored = new StackedHourglassNet(Small);
        using var adam2 = new Adam(restored.parameters(), lr: 1e-3);
        TrainingCheckpoint.Load(path).Restore(restored, adam2);
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var (mix, _) = Batch(new Random(8), 2);
            var a = model.forward(mix);
            var b = restored.forward(mix);
            Assert.Equal(0, (a - b).abs().max().ToDouble(), 6);
        }
    }

    [Fact]
    public void StudentVariantWithBatchNormTrainsAndItsCheckpointKeepsTheRunningStatistics()
    {
        torch.manual_seed(1);
        var config = new ZyfHourglassConfig(2, 8, 2, 8, Depth: 2);
        using var model = new ZyfStackedHourglassNet(config);
        using var adam = new Adam(model.parameters(), lr: 3e-3);
        var rng = new Random(4);
        var losses = new List<double>();
        for (int step = 0; step < 30; step++)
        {
            using var scope = torch.NewDisposeScope();
            var (mix, targets) = Batch(rng, 4);
            var loss = StackedHourglassLoss.Compute(model.forward(mix), mix, targets);
            adam.ZeroGrad();
            loss.backward();
            if (step == 0)
                foreach (var (name, p) in model.named_parameters())
                    Assert.True(p.grad is not null, $"no gradient reached '{name}'");
            adam.Step();
            losses.Add(loss.ToDouble());
        }
        double first = losses.Take(3).Average(), last = losses.TakeLast(3).Average();
        output.WriteLine($"student hourglass loss {first:F4} → {last:F4}");
        Assert.True(last < 0.4 * first, $"loss {first:F4} → {last:F4} (want below 40 %)");

        model.eval();
        var path = Path.Combine(_dir, "zyf.pt");
        TrainingCheckpoint.Capture(model, adam, null, 1, 30, null, null).Save(path);
        torch.manual_seed(6);
        using var restored = new ZyfStackedHourglassNet(config);
        TrainingCheckpoint.Load(path).Restore(restored);
        restored.eval();
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var (mix, _) = Batch(new Random(8), 2);
            Assert.Equal(0, (model.forward(mix) - restored.forward(mix)).abs().max().ToDouble(), 6);
        }
    }

    /// <summary>Toy waveforms: a low tone (&lt; 200 Hz) and a high tone (200–400 Hz) at 8 kHz; [1, T] and [1, T, 2].</summary>
    private static (Tensor Mix, Tensor Sources) Tones(Random rng, int length)
    {
        var mix = new float[length];
        var src = new float[length * 2];
        double f1 = 5 + rng.NextDouble() * 195, f2 = 200 + rng.NextDouble() * 200;
        double p1 = rng.NextDouble() * 2 * Math.PI, p2 = rng.NextDouble() * 2 * Math.PI;
        double a1 = 0.5 + rng.NextDouble() * 0.5, a2 = 0.5 + rng.NextDouble() * 0.5;
        for (int t = 0; t < length; t++)
        {
            float s1 = (float)(a1 * Math.Sin(2 * Math.PI * f1 * t / 8000 + p1));
            float s2 = (float)(a2 * Math.Sin(2 * Math.PI * f2 * t / 8000 + p2));
            src[t * 2] = s1;
            src[t * 2 + 1] = s2;
            mix[t] = s1 + s2;
        }
        return (torch.tensor(mix, [1, length]), torch.tensor(src, [1, length, 2]));
    }

    /// <summary>Estimates [1, T, 2] (decoder output cropped or zero-padded to the input length).</summary>
    private static Tensor Estimate(AudioSeparator model, Tensor mix)
    {
        var est = model.forward(mix).Sources.permute(1, 2, 0);   // [1, L, S]
        long n = mix.size(1), l = est.size(1);
        return l >= n ? est.narrow(1, 0, n) : torch.nn.functional.pad(est, [0, 0, 0, n - l]);
    }

    [Fact]
    public void ConvEncoderBaselineLearnsToSeparateLowFromHighTones()
    {
        const int length = 2000;
        torch.manual_seed(0);
        using var model = new AudioSeparator(new AudioSeparatorConfig(FftSize: 64, HiddenSize: 32, NumSources: 2, KernelSize: 16));
        using var adam = new Adam(model.parameters(), lr: 3e-3);
        var rng = new Random(1);
        for (int step = 0; step < 40; step++)
        {
            using var scope = torch.NewDisposeScope();
            var losses = new List<Tensor>();
            for (int b = 0; b < 4; b++)                               // upstream works on batch 1: accumulate 4
            {
                var (mix, sources) = Tones(rng, length);
                losses.Add(PitSiSnrLoss.Loss(sources, Estimate(model, mix)).mean());
            }
            var loss = torch.stack(losses).mean();
            adam.ZeroGrad();
            loss.backward();
            if (step == 0)
                foreach (var (name, p) in model.named_parameters())
                    Assert.True(p.grad is not null, $"no gradient reached '{name}'");
            adam.Step();
        }

        model.eval();
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var heldOut = new Random(999);
            double before = 0, after = 0;
            const int n = 16;
            for (int i = 0; i < n; i++)
            {
                var (mix, sources) = Tones(heldOut, length);
                after += -PitSiSnrLoss.Loss(sources, Estimate(model, mix)).mean().ToDouble() / n;
                before += -PitSiSnrLoss.Loss(sources, torch.stack([mix, mix], 2)).mean().ToDouble() / n;
            }
            output.WriteLine($"SI-SNR {before:F1} → {after:F1} dB");
            Assert.True(after - before > 5, $"SI-SNR {before:F1} dB (mixture) → {after:F1} dB (separated): improvement {after - before:F1} dB");
        }
    }
}
