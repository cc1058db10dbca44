using TorchSharp.Modules;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Training.Tests;

/// <summary>A tiny mask-free separator (mixture [B, 1, T] → sources [B, T, 2]) with dropout, for training-loop tests.</summary>
internal sealed class TinySeparator : Module<Tensor, Tensor>
{
    private readonly Conv1d _encoder;
    private readonly Tensors.NN.PReLU _act;
    private readonly Dropout _dropout;
    private readonly Conv1d _decoder;

    public TinySeparator()
    {
        _encoder = RegisterModule("encoder", torch.nn.Conv1d(1, 8, 5, padding: 2));
        _act = RegisterModule("act", new Tensors.NN.PReLU(1));
        _dropout = RegisterModule("dropout", torch.nn.Dropout(0.2));
        _decoder = RegisterModule("decoder", torch.nn.Conv1d(8, 2, 5, padding: 2));
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var h = _dropout.forward(_act.forward(_encoder.forward(input)));   // [B, 8, T]
        return _decoder.forward(h).permute(0, 2, 1).MoveToOuterDisposeScope(); // [B, T, 2]
    }
}

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ss-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// Trains the tiny separator for <paramref name="totalSteps"/> steps (batches drawn from the run's random state, libtorch
    /// re-seeded per step for dropout, Adam + warm-up + cosine, clipping, PIT SI-SNR), saving a checkpoint every 3 steps;
    /// with <paramref name="stopAfter"/> it stops there (a crash), and with <paramref name="resume"/> it starts from the
    /// latest checkpoint. Returns the loss of every step it ran, by step number.
    /// </summary>
    private static SortedDictionary<long, double> Train(string dir, int totalSteps, int? stopAfter = null, bool resume = false)
    {
        const ulong seed = 1234;
        var losses = new SortedDictionary<long, double>();
        torch.manual_seed(resume ? 999L : 42L);                // a resumed run starts from different weights: the checkpoint must restore them
        using var model = new TinySeparator();
        using var optimizer = new Adam(model.parameters(), lr: 3e-3, weightDecay: 1e-4);
        var warmup = new LinearLR(optimizer, 0.2, 1.0, 4);
        var schedulers = new Dictionary<string, IStateful> { ["warmup"] = warmup };
        var random = new TrainingRandom(seed);
        var manager = new CheckpointManager(dir, keepLast: 2, mode: PlateauMode.Min);
        long step = 0;
        double? best = null;
        if (resume)
        {
            var ck = manager.LoadLatest() ?? throw new InvalidOperationException("no checkpoint");
            ck.Restore(model, optimizer, schedulers, random);
            step = ck.Step;
            best = ck.BestMetric;
        }
        model.train();
        while (step < totalSteps)
        {
            using var scope = torch.NewDisposeScope();
            random.SeedTorch(step);
            using var g = random.NewTorchGenerator();
            var sources = torch.randn([4, 1, 2, 256], generator: g).squeeze(1);      // [B, 2, T]
            var gains = torch.tensor([(float)random.Uniform(0.5, 1.5), (float)random.Uniform(0.5, 1.5)], [1, 2, 1]);
            sources = sources * gains;
            var mixture = sources.sum(1, keepdim: true);                              // [B, 1, T]
            var estimates = model.forward(mixture);                                   // [B, T, 2]
            var loss = PitSiSnrLoss.Loss(sources.permute(0, 2, 1), estimates).mean();
            optimizer.ZeroGrad();
            loss.backward();
            GradientClipping.ClipGradNorm(model.parameters(), 5.0);
            optimizer.Step();
            warmup.Step();
            step++;
            double value = loss.ToDouble();
            losses[step] = value;
            if (best is null || value < best) best = value;
            if (step % 3 == 0)
                manager.Save(TrainingCheckpoint.Capture(model, optimizer, schedulers, epoch: step / 6, step, best, random), metric: value);
            if (step == stopAfter) break;
        }
        return losses;
    }

    [Fact]
    public void AResumedRunContinuesWithTheSameLossSequence()
    {
        var straight = Train(Path.Combine(_dir, "a"), 14);
        var crashed = Train(Path.Combine(_dir, "b"), 14, stopAfter: 7);   // last checkpoint at step 6; step 7 is lost
        var resumed = Train(Path.Combine(_dir, "b"), 14, resume: true);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), crashed.Keys);
        Assert.Equal(Enumerable.Range(7, 8).Select(i => (long)i), resumed.Keys);
        foreach (var (k, v) in crashed) Assert.Equal(straight[k], v);
        foreach (var (k, v) in resumed) Assert.Equal(straight[k], v);     // bit for bit, including the re-run step 7
        Assert.True(straight[14] < straight[1], "the tiny model should learn something");

        // keep-last-2 and best.pt
        var manager = new CheckpointManager(Path.Combine(_dir, "a"), keepLast: 2);
        Assert.Equal(["checkpoint-step000000009.pt", "checkpoint-step000000012.pt"], manager.Checkpoints().Select(Path.GetFileName));
        Assert.True(File.Exists(manager.BestPath));
        var best = TrainingCheckpoint.Load(manager.BestPath);
        Assert.Equal(new[] { 3L, 6, 9, 12 }.Select(s => straight[s]).Min(), manager.BestMetric());
        Assert.Contains(best.Step, new long[] { 3, 6, 9, 12 });
    }

    [Fact]
    public void ACheckpointIsAPlainTorchFileWithTheWholeState()
    {
        torch.manual_seed(5);
        using var model = new TinySeparator();
        using var opt = new SGD(model.parameters(), lr: 0.1, momentum: 0.9);
        var sched = new StepLR(opt, 2);
        var rnd = new TrainingRandom(77);
        rnd.NextUInt64();
        var ck = TrainingCheckpoint.Capture(model, opt, new Dictionary<string, IStateful> { ["step"] = sched }, 3, 30, -4.5, rnd,
            new() { ["history"] = new List<object?> { 1.0, 2.0 } });
        var path = Path.Combine(_dir, "c.pt");
        ck.Save(path);
        var raw = (IReadOnlyDictionary<string, object?>)TorchCheckpoint.Load(path)!;
        Assert.Equal(TrainingCheckpoint.FormatName, raw["format"]);
        Assert.True(((PythonDict)raw["model"]!).IsOrdered);
        Assert.Equal(model.state_dict().Keys, StateDict.Load(path, "model").Keys);
        var back = TrainingCheckpoint.Load(path);
        Assert.Equal(3, back.Epoch);
        Assert.Equal(30, back.Step);
        Assert.Equal(-4.5, back.BestMetric);
        Assert.Equal(rnd.GetState(), back.RandomState);
        Assert.Equal(77UL, back.Seed);
        Assert.Equal(2, ((List<object?>)back.Extra["history"]!).Count);
        var export = Path.Combine(_dir, "weights.pt");
        back.ExportStateDict(export);
        torch.manual_seed(6);
        using var other = new TinySeparator();
        other.LoadStateDict(StateDict.Load(export));
        Assert.Equal(model.state_dict()["encoder.weight"].ToFloatArray(), other.state_dict()["encoder.weight"].ToFloatArray());
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(export));   // a plain state dict is not a training checkpoint
    }

    [Fact]
    public void TrainingRandomIsReproducibleAndRestorable()
    {
        var a = new TrainingRandom(3);
        var b = new TrainingRandom(3);
        Assert.Equal(a.NextUInt64(), b.NextUInt64());
        var state = a.GetState();
        var next = Enumerable.Range(0, 5).Select(_ => a.NextDouble()).ToArray();
        b.SetState(state);
        Assert.Equal(next, Enumerable.Range(0, 5).Select(_ => b.NextDouble()).ToArray());
        Assert.NotEqual(new TrainingRandom(4).NextUInt64(), new TrainingRandom(3).NextUInt64());
        Assert.Equal(a.TorchSeedFor(10), b.TorchSeedFor(10));
        Assert.NotEqual(a.TorchSeedFor(10), a.TorchSeedFor(11));
        var list = Enumerable.Range(0, 20).ToList();
        a.Shuffle(list);
        Assert.Equal(Enumerable.Range(0, 20), list.Order());
    }

    [Fact]
    public void StaleTemporaryFilesAreRemovedAndDamagedCheckpointsSkipped()
    {
        var dir = Path.Combine(_dir, "d");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, ".checkpoint-step000000002.pt.tmp-abc"), new byte[10]);
        var m = new CheckpointManager(dir);
        Assert.Empty(Directory.GetFiles(dir));
        var ck = new TrainingCheckpoint { Model = new() { ["w"] = HostTensor.FromFloats([1f, 2f], 2) }, Step = 1 };
        m.Save(ck, metric: 1.0);
        File.WriteAllBytes(Path.Combine(dir, "checkpoint-step000000005.pt"), [1, 2, 3]);   // damaged newest file
        Assert.Equal(1, m.LoadLatest()!.Step);
        Assert.Equal(1.0, m.BestMetric());
    }
}
