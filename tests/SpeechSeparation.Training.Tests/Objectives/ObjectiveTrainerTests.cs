using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training.Tests.Objectives;

/// <summary><see cref="SeparationTrainer"/> with an <see cref="ITrainingObjective"/> other than PIT SI-SNR.</summary>
public sealed class ObjectiveTrainerTests
{
    /// <summary>MIR-1K-like stems at 8 kHz, 0.5 s: a low harmonic chord (accompaniment) and a gated tone (vocals).</summary>
    private sealed class StemSource(int count) : IExampleSource
    {
        public int Count => count;
        public int SampleRate => 8000;
        public int NumSources => 2;
        public SeparationExample Get(int index, Random rng)
        {
            const int n = 4000;
            double f0 = 80 + rng.NextDouble() * 100, fv = 500 + rng.NextDouble() * 700, gate = rng.NextDouble();
            var acc = new float[n];
            var voc = new float[n];
            for (int t = 0; t < n; t++)
            {
                double time = t / 8000.0;
                acc[t] = (float)(0.3 * (Math.Sin(2 * Math.PI * f0 * time) + 0.5 * Math.Sin(4 * Math.PI * f0 * time)));
                voc[t] = (float)((time * 4 + gate) % 1 < 0.6 ? 0.3 * Math.Sin(2 * Math.PI * fv * time) : 0);
            }
            return new SeparationExample(acc.Zip(voc, (a, v) => a + v).ToArray(), [acc, voc], 8000, $"stems{index}");
        }
    }

    /// <summary>The hourglass objective selecting by its validation loss (lower is better) instead of SI-SNRi.</summary>
    private sealed class ByLoss(ITrainingObjective inner) : ITrainingObjective
    {
        public string SelectionMetric => "loss";
        public bool HigherIsBetter => false;
        public Tensor Loss(Batch batch) => inner.Loss(batch);
        public IReadOnlyDictionary<string, double> Validate(Batch batch) => inner.Validate(batch);
    }

    private static (StackedHourglassNet, SeparationTrainer) Create(string? dir, int epochs)
    {
        torch.manual_seed(4);
        var model = new StackedHourglassNet(new HourglassConfig(2, 1, 2, 8, 0, [8, 8, 8, 8]));
        var adam = new Adam(model.parameters(), lr: 3e-3);
        var plateau = new ReduceLROnPlateau(adam, PlateauMode.Min, factor: 0.5, patience: 1);
        var trainer = new SeparationTrainer(model, new ByLoss(new StackedHourglassObjective(model)), adam, plateau,
            new TrainerOptions { Epochs = epochs, CheckpointDirectory = dir, KeepLast = 2, Seed = 5 });
        return (model, trainer);
    }

    [Fact]
    public void ALowerIsBetterObjectiveSelectsTheLowestLossAndResumesExactly()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-objective").FullName;
        try
        {
            var train = new DataLoader(new StemSource(16), 4, seed: 1, workers: 1);
            var valid = new DataLoader(new StemSource(4), 4, seed: 2, shuffle: false, workers: 1);

            var (m1, t1) = Create(null, 3);
            var straight = t1.Fit(train, valid);
            Assert.Equal(3, straight.Count);
            Assert.All(straight, h => Assert.Equal(new[] { "si_snr", "si_snri", "loss" }, h.Validation!.Keys));
            Assert.All(straight, h => Assert.True(h.Validation!["loss"] is > 0 and < 1, $"valid loss {h.Validation!["loss"]}"));
            Assert.Equal(straight[^1].ValidSiSnri, straight[^1].Validation!["si_snri"]);

            // Two epochs, then a fresh trainer resumes from the folder (the history with its metric dictionary is read back).
            var (m2, t2) = Create(dir, 2);
            t2.Fit(train, valid);
            var (m3, t3) = Create(dir, 3);
            var resumed = t3.Fit(train, valid);
            Assert.Equal(3, resumed.Count);
            Assert.Equal(straight[1].Validation!["loss"], resumed[1].Validation!["loss"], 6);
            Assert.Equal(straight[2].TrainLoss, resumed[2].TrainLoss, 4);
            Assert.Equal(straight[2].Validation!["loss"], resumed[2].Validation!["loss"], 4);
            foreach (var (k, v) in m1.state_dict()) Assert.Equal(v.ToFloatArray(), m3.state_dict()[k].ToFloatArray());

            // best.pt holds the lowest validation loss; history.csv has a column per extra metric.
            var manager = new CheckpointManager(dir);
            Assert.Equal(resumed.Min(h => h.Validation!["loss"]), manager.BestMetric()!.Value, 6);
            var csv = File.ReadAllLines(Path.Combine(dir, "history.csv"));
            Assert.Equal("epoch,train_loss,valid_si_snr,valid_si_snri,lr,seconds,valid_loss", csv[0]);
            Assert.Equal(4, csv.Length);
            m1.Dispose(); m2.Dispose(); m3.Dispose();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
