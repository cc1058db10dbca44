using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training.Tests.Baselines;

public class TrainerTests
{
    /// <summary>The toy task as a data set: a tone below 200 Hz and one in [200, 400) Hz at 8 kHz.</summary>
    private sealed class ToneSource(int count) : IExampleSource
    {
        public int Count => count;
        public int SampleRate => 8000;
        public int NumSources => 2;
        public SeparationExample Get(int index, Random rng)
        {
            const int n = 2000;
            double f1 = 5 + rng.NextDouble() * 195, f2 = 200 + rng.NextDouble() * 200, p1 = rng.NextDouble() * 6.28, p2 = rng.NextDouble() * 6.28;
            var a = new float[n];
            var b = new float[n];
            for (int t = 0; t < n; t++) { a[t] = (float)Math.Sin(2 * Math.PI * f1 * t / 8000 + p1); b[t] = (float)(0.7 * Math.Sin(2 * Math.PI * f2 * t / 8000 + p2)); }
            return new SeparationExample(a.Zip(b, (x, y) => x + y).ToArray(), [a, b], 8000, $"tone{index}");
        }
    }

    private static Tensor Estimate(SimpleSeparator m, Tensor mix)
    {
        var y = m.forward(mix);
        var est = y.Sources.permute(1, 2, 0);
        long pad = mix.size(1) - est.size(1);
        return pad > 0 ? torch.nn.functional.pad(est, [0, 0, 0, pad]) : est;
    }

    private static (SimpleSeparator, SeparationTrainer) Create(string? dir, int epochs)
    {
        torch.manual_seed(3);
        var model = new SimpleSeparator(new SimpleSeparatorConfig(200, 32));
        var adam = new Adam(model.parameters(), lr: 3e-3);
        var plateau = new ReduceLROnPlateau(adam, PlateauMode.Min, factor: 0.5, patience: 1);
        var trainer = new SeparationTrainer(model, x => Estimate(model, x), adam, plateau,
            new TrainerOptions { Epochs = epochs, CheckpointDirectory = dir, KeepLast = 2, Seed = 9 });
        return (model, trainer);
    }

    [Fact]
    public void FitImprovesSiSnriCheckpointsAndResumesExactly()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-train").FullName;
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);          // single-threaded kernels: multi-threaded reductions are not bit-reproducible under load
        try
        {
            var train = new DataLoader(new ToneSource(160), 8, seed: 1, workers: 2);
            var valid = new DataLoader(new ToneSource(16), 8, seed: 2, shuffle: false, workers: 1);

            // An uninterrupted 4-epoch run…
            var (m1, t1) = Create(null, 4);
            var straight = t1.Fit(train, valid);
            Assert.Equal(4, straight.Count);
            Assert.True(straight[^1].ValidSiSnri > straight[0].ValidSiSnri + 3, string.Join("; ", straight));
            Assert.True(straight[^1].ValidSiSnri > 10, $"SI-SNRi after 4 epochs: {straight[^1].ValidSiSnri:F1} dB");

            // …equals 2 epochs, then new objects that resume from the checkpoint folder for epochs 3 and 4.
            var (m2, t2) = Create(dir, 2);
            t2.Fit(train, valid);
            Assert.True(File.Exists(Path.Combine(dir, "best.pt")));
            Assert.Contains("epoch,train_loss", File.ReadAllText(Path.Combine(dir, "history.csv")));
            var (m3, t3) = Create(dir, 4);
            var resumed = t3.Fit(train, valid);
            Assert.Equal(4, resumed.Count);
            for (int e = 2; e < 4; e++)
            {
                Assert.Equal(straight[e].TrainLoss, resumed[e].TrainLoss, 4);
                Assert.Equal(straight[e].ValidSiSnri, resumed[e].ValidSiSnri, 3);
            }
            foreach (var (k, v) in m1.state_dict()) Assert.Equal(v.ToFloatArray(), m3.state_dict()[k].ToFloatArray());
            m1.Dispose(); m2.Dispose(); m3.Dispose();
        }
        finally
        {
            torch.set_num_threads(threads);
            Directory.Delete(dir, true);
        }
    }
}
