using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Training.Data;
using SpeechSeparation.Training.Distributed;

namespace SpeechSeparation.Training;

/// <summary>Settings of <see cref="SeparationTrainer"/>.</summary>
public sealed record TrainerOptions
{
    /// <summary>Epochs to train (a resumed run continues up to this count).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Global gradient-norm clip (≤ 0 disables it).</summary>
    public double ClipNorm { get; init; } = 5.0;
    /// <summary>Stop after this many epochs without a better validation selection metric (the objective's
    /// <see cref="ITrainingObjective.SelectionMetric"/>, SI-SNRi by default; ≤ 0 disables early stopping).</summary>
    public int EarlyStoppingPatience { get; init; } = 10;
    /// <summary>Where checkpoints and the metrics history go (null: no checkpoints, no resume).</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Checkpoints kept besides <c>best.pt</c>.</summary>
    public int KeepLast { get; init; } = 3;
    /// <summary>Training steps between log lines.</summary>
    public int LogEvery { get; init; } = 50;
    /// <summary>Seed of the per-step libtorch generator (dropout) and of the checkpointed random state.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// The ranks of a data-parallel job (e.g. <c>MpiProcessGroup</c> of SpeechSeparation.Distributed under
    /// <c>mpiexec</c>); null or a single rank trains in this process alone, unchanged. With several ranks each runs the
    /// same <see cref="SeparationTrainer.Fit"/> on its shard of the loaders (<see cref="DataLoader.Shard"/>; the batch size
    /// is per rank), gradients are averaged after backward (<see cref="GradientAverager"/>), parameters are broadcast from
    /// rank 0 at the start and after a resume, validation metrics are summed over the ranks, and only rank 0 logs and
    /// writes checkpoints and the history. An exception on any rank ends the whole job through
    /// <see cref="IProcessGroup.Abort"/> (the other ranks would wait forever in their next collective).
    /// </summary>
    public IProcessGroup? ProcessGroup { get; init; }
    /// <summary>Largest gradient all-reduce in bytes (see <see cref="GradientAverager.BucketBytes"/>).</summary>
    public long GradientBucketBytes { get; init; } = GradientAverager.DefaultBucketBytes;
}

/// <summary>Metrics of one epoch.</summary>
/// <param name="Epoch">Epoch number (1-based).</param>
/// <param name="TrainLoss">Mean training loss (the objective's loss; negative PIT SI-SNR in dB for separation).</param>
/// <param name="ValidSiSnr">Mean validation SI-SNR of the estimates (dB), NaN without validation or when the objective does not report it.</param>
/// <param name="ValidSiSnri">Mean validation SI-SNR improvement over the mixture (dB), NaN without validation or when the objective does not report it.</param>
/// <param name="LearningRate">Learning rate at the end of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
/// <param name="Validation">Every mean validation metric of the objective by name (<c>si_snr</c>, <c>si_snri</c>, <c>loss</c>…), null without validation.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double ValidSiSnr, double ValidSiSnri, double LearningRate, double Seconds,
    IReadOnlyDictionary<string, double>? Validation = null);

/// <summary>Where a running training is.</summary>
/// <param name="Epoch">Current epoch (1-based).</param>
/// <param name="Step">Step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="Loss">Running mean loss of the epoch.</param>
public readonly record struct TrainingProgress(int Epoch, int Step, int StepsPerEpoch, double Loss);

/// <summary>
/// Trains a separator or enhancer with a pluggable <see cref="ITrainingObjective"/> (permutation-invariant SI-SNR by
/// default, <see cref="FrcrnObjective"/>, <see cref="StackedHourglassObjective"/>): epochs of Adam/SGD steps with
/// gradient clipping, validation by the objective's metrics (the selection metric, SI-SNRi for the built-in
/// objectives, picks <c>best.pt</c>), a plateau scheduler, early stopping, atomic checkpoints (resumable: a second
/// <see cref="Fit"/> on the same folder continues where the last saved epoch ended) and a metrics history
/// (<c>history.csv</c>, <c>history.json</c>).
/// </summary>
public sealed class SeparationTrainer
{
    private readonly torch.nn.Module _model;
    private readonly ITrainingObjective _objective;
    private readonly Optimizer _optimizer;
    private readonly ReduceLROnPlateau? _scheduler;
    private readonly TrainerOptions _options;
    private readonly ILogger _logger;
    private readonly List<EpochMetrics> _history = [];

    /// <summary>A trainer with permutation-invariant SI-SNR (<see cref="PitSiSnrObjective"/>).</summary>
    /// <param name="model">The module whose parameters the optimiser updates.</param>
    /// <param name="estimate">Mixtures [B, T] → estimated sources [B, T, S] (SpeechBrain's layout).</param>
    /// <param name="optimizer">The optimiser over the model's parameters.</param>
    /// <param name="scheduler">Optional plateau scheduler stepped with minus the validation SI-SNRi (mode Min).</param>
    /// <param name="options">Settings.</param>
    /// <param name="logger">Progress log.</param>
    public SeparationTrainer(torch.nn.Module model, Func<Tensor, Tensor> estimate, Optimizer optimizer, ReduceLROnPlateau? scheduler = null,
        TrainerOptions? options = null, ILogger? logger = null)
        : this(model, new PitSiSnrObjective(estimate ?? throw new ArgumentNullException(nameof(estimate))), optimizer, scheduler, options, logger)
    {
    }

    /// <summary>A trainer with any objective.</summary>
    /// <param name="model">The module whose parameters the optimiser updates (and that checkpoints hold).</param>
    /// <param name="objective">The training loss and the validation metrics.</param>
    /// <param name="optimizer">The optimiser over the model's parameters.</param>
    /// <param name="scheduler">Optional plateau scheduler (mode Min) stepped with the selection metric, negated when higher is better.</param>
    /// <param name="options">Settings.</param>
    /// <param name="logger">Progress log.</param>
    public SeparationTrainer(torch.nn.Module model, ITrainingObjective objective, Optimizer optimizer, ReduceLROnPlateau? scheduler = null,
        TrainerOptions? options = null, ILogger? logger = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _objective = objective ?? throw new ArgumentNullException(nameof(objective));
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _scheduler = scheduler;
        _options = options ?? new TrainerOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The loss and validation metrics being optimised.</summary>
    public ITrainingObjective Objective => _objective;

    /// <summary>Metrics of every finished epoch (including epochs restored from a checkpoint's history).</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>Trains until <see cref="TrainerOptions.Epochs"/>, early stopping or cancellation.</summary>
    /// <remarks>With a <see cref="TrainerOptions.ProcessGroup"/> of several ranks, every rank calls this with the same
    /// loaders (they are sharded here unless already sharded by rank) and the same options.</remarks>
    public IReadOnlyList<EpochMetrics> Fit(DataLoader train, DataLoader? valid = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var group = _options.ProcessGroup ?? SingleProcessGroup.Instance;
        if (group.Size == 1) return FitRank(train, valid, progress, group, null, cancellationToken);
        try
        {
            train = ShardFor(train, group, "train");
            if (!train.DropLast && train.Source.Count % train.GlobalBatchSize != 0)
                throw new ArgumentException($"Data-parallel training needs whole global batches: {train.Source.Count} training examples are not a multiple of " +
                    $"{train.BatchSize} × {group.Size} ranks; use dropLast.");
            if (train.BatchesPerEpoch == 0)
                throw new ArgumentException($"{train.Source.Count} training example(s) do not fill one global batch of {train.BatchSize} × {group.Size} ranks.");
            return FitRank(train, valid is null ? null : ShardFor(valid, group, "valid"), progress, group,
                new GradientAverager(group, _options.GradientBucketBytes), cancellationToken);
        }
        catch (Exception e)
        {
            group.Abort($"training failed on rank {group.Rank} of {group.Size}: {e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    private static DataLoader ShardFor(DataLoader loader, IProcessGroup group, string what)
    {
        if (loader.ShardCount == 1) return loader.Shard(group.Rank, group.Size);
        if (loader.ShardCount != group.Size || loader.ShardIndex != group.Rank)
            throw new ArgumentException($"The {what} loader is shard {loader.ShardIndex} of {loader.ShardCount}, but this is rank {group.Rank} of {group.Size}.");
        return loader;
    }

    private IReadOnlyList<EpochMetrics> FitRank(DataLoader train, DataLoader? valid, IProgress<TrainingProgress>? progress, IProcessGroup group,
        GradientAverager? averager, CancellationToken cancellationToken)
    {
        bool root = group.Rank == 0;
        var log = root ? _logger : NullLogger.Instance;
        var random = new TrainingRandom(_options.Seed);
        var manager = _options.CheckpointDirectory is null || !root ? null : new CheckpointManager(_options.CheckpointDirectory, _options.KeepLast);
        var schedulers = _scheduler is null ? null : new Dictionary<string, IStateful> { ["plateau"] = _scheduler };
        int startEpoch = 0;
        long step = 0;
        double best = double.NegativeInfinity;
        string? checkpointPath = null;
        var resume = manager?.LoadLatest(out checkpointPath);
        List<EpochMetrics>? history = resume is null ? null : ReadHistory(_options.CheckpointDirectory!);
        if (averager is not null && _options.CheckpointDirectory is not null)
        {
            // Rank 0 alone reads the run folder (it need not be shared); the others receive its checkpoint and history.
            var bytes = group.BroadcastBytes(root && checkpointPath is not null ? File.ReadAllBytes(checkpointPath) : null);
            var json = group.BroadcastString(root ? JsonSerializer.Serialize(history ?? [], HistoryJson) : null);
            if (!root && bytes.Length > 0)
            {
                using var stream = new MemoryStream(bytes, writable: false);
                resume = TrainingCheckpoint.Load(stream, $"rank 0's checkpoint");
                history = JsonSerializer.Deserialize<List<EpochMetrics>>(json, HistoryJson) ?? [];
            }
        }
        if (resume is not null)
        {
            resume.Restore(_model, _optimizer, schedulers, random);
            startEpoch = (int)resume.Epoch;
            step = resume.Step;
            best = resume.BestMetric is { } b ? -b : double.NegativeInfinity;
            _history.Clear();
            _history.AddRange(history!.Where(h => h.Epoch <= startEpoch));
            log.LogInformation("Resumed from epoch {Epoch} (step {Step})", startEpoch, step);
        }
        averager?.BroadcastState(_model);
        if (averager is not null)
            log.LogInformation("Data-parallel training on {Ranks} ranks: batch {Batch} per rank, {Global} per step, {Steps} steps per epoch",
                group.Size, train.BatchSize, train.GlobalBatchSize, train.BatchesPerEpoch);
        int sinceBest = _history.Count == 0 ? 0 : _history.Count - 1 - _history.FindLastIndex(h => Score(h) >= best);

        for (int epoch = startEpoch + 1; epoch <= _options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            _model.train();
            double lossSum = 0;
            int n = 0, steps = train.BatchesPerEpoch;
            foreach (var batch in train.Epoch(epoch, cancellationToken))
            {
                using var _ = batch;
                using var scope = torch.NewDisposeScope();
                if (root) random.SeedTorch(step);
                else torch.manual_seed(RankTorchSeed(random.TorchSeedFor(step), group.Rank));
                var loss = _objective.Loss(batch);
                _optimizer.ZeroGrad();
                loss.backward();
                double v = loss.ToDouble();
                if (averager is not null) v = averager.Average(_model.parameters(), v);   // the mean loss over the ranks
                if (_options.ClipNorm > 0) GradientClipping.ClipGradNorm(_model.parameters(), _options.ClipNorm);
                _optimizer.Step();
                if (!double.IsFinite(v)) throw new InvalidOperationException($"The training loss became {v} at epoch {epoch}, step {n + 1}.");
                lossSum += v;
                n++;
                step++;
                progress?.Report(new TrainingProgress(epoch, n, steps, lossSum / n));
                if (_options.LogEvery > 0 && n % _options.LogEvery == 0)
                    log.LogInformation("epoch {Epoch} step {Step}/{Steps} loss {Loss:F3}", epoch, n, steps, lossSum / n);
            }
            averager?.BroadcastBuffers(_model);                             // e.g. batch-norm statistics: rank 0's, everywhere
            var validation = valid is null ? null : ValidateMetrics(valid, epoch, cancellationToken);
            var metrics = new EpochMetrics(epoch, n > 0 ? lossSum / n : double.NaN, Metric(validation, "si_snr"), Metric(validation, "si_snri"),
                double.NaN, clock.Elapsed.TotalSeconds, validation);
            double score = Score(metrics);                                  // higher is better; NaN without validation
            if (_scheduler is not null && !double.IsNaN(score)) _scheduler.Step(-score);
            metrics = metrics with { LearningRate = _optimizer.ParamGroups[0].Lr, Seconds = clock.Elapsed.TotalSeconds };
            _history.Add(metrics);
            log.LogInformation("epoch {Epoch}: train loss {Loss:F3}, {Validation} ({Seconds:F0} s)",
                epoch, metrics.TrainLoss, Describe(validation), metrics.Seconds);
            bool improved = double.IsNaN(score) || score > best;
            if (improved && !double.IsNaN(score)) best = score;
            sinceBest = improved ? 0 : sinceBest + 1;
            if (manager is not null)
            {
                var ckpt = TrainingCheckpoint.Capture(_model, _optimizer, schedulers, epoch, step,
                    double.IsNegativeInfinity(best) ? null : -best, random);
                manager.Save(ckpt, double.IsNaN(score) ? null : -score);
                WriteHistory(_options.CheckpointDirectory!);
            }
            if (_options.EarlyStoppingPatience > 0 && sinceBest >= _options.EarlyStoppingPatience)
            {
                log.LogInformation("Early stopping: no better {Metric} for {Epochs} epochs", _objective.SelectionMetric, sinceBest);
                break;
            }
        }
        return _history;
    }

    /// <summary>The libtorch seed of a rank other than 0 at a step: distinct per rank (dropout differs between ranks as
    /// between the examples of one batch); rank 0 uses <see cref="TrainingRandom.TorchSeedFor"/> itself.</summary>
    private static long RankTorchSeed(ulong seed, int rank)
    {
        ulong z = seed ^ (0xD1B54A32D192ED03UL * (ulong)rank);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) >> 1);
    }

    /// <summary>Mean SI-SNR of the estimates and its improvement over the unprocessed mixture (NaN when the objective does not report them).</summary>
    public (double SiSnr, double SiSnri) Validate(DataLoader valid, int epoch = 0, CancellationToken cancellationToken = default)
    {
        var m = ValidateMetrics(valid, epoch, cancellationToken);
        return (Metric(m, "si_snr"), Metric(m, "si_snri"));
    }

    /// <summary>Every validation metric of the objective, averaged over the examples of <paramref name="valid"/> (NaN when it is empty).</summary>
    /// <remarks>With a <see cref="TrainerOptions.ProcessGroup"/> of several ranks this is a collective: every rank calls it,
    /// validates its shard of <paramref name="valid"/> (sharded here unless it already is) and gets the means over all examples.</remarks>
    public IReadOnlyDictionary<string, double> ValidateMetrics(DataLoader valid, int epoch = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(valid);
        if (_options.ProcessGroup is { Size: > 1 } ranks) valid = ShardFor(valid, ranks, "valid");
        _model.eval();
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        var order = new List<string>();
        int n = 0;
        try
        {
            using var _ = torch.no_grad();
            foreach (var batch in valid.Epoch(epoch, cancellationToken))
            {
                using var b = batch;
                using var scope = torch.NewDisposeScope();
                foreach (var (name, value) in _objective.Validate(b))
                {
                    if (!sums.ContainsKey(name)) order.Add(name);
                    sums[name] = sums.GetValueOrDefault(name) + value;
                }
                n += (int)b.Targets.size(0);
            }
        }
        finally
        {
            _model.train();
        }
        var group = _options.ProcessGroup ?? SingleProcessGroup.Instance;
        if (group.Size > 1)
        {
            // Sum over the ranks, in rank 0's metric order (rank 0 has the first batch, so it has every name when anyone has).
            order = [.. group.BroadcastString(string.Join('\n', order)).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            var totals = order.Select(name => sums.GetValueOrDefault(name)).Append(n).ToArray();
            group.AllreduceSum(totals);
            sums = order.Select((name, i) => (name, totals[i])).ToDictionary(x => x.name, x => x.Item2, StringComparer.Ordinal);
            n = (int)totals[^1];
        }
        if (!sums.ContainsKey(_objective.SelectionMetric))
        {
            if (n > 0) throw new InvalidOperationException($"The objective's validation does not report its selection metric '{_objective.SelectionMetric}'.");
            order.Add(_objective.SelectionMetric);
        }
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in order) means[name] = n == 0 ? double.NaN : sums.GetValueOrDefault(name) / n;
        return means;
    }

    private static double Metric(IReadOnlyDictionary<string, double>? metrics, string name) =>
        metrics is not null && metrics.TryGetValue(name, out var v) ? v : double.NaN;

    /// <summary>The selection metric of an epoch as a score where higher is better (NaN without validation).</summary>
    private double Score(EpochMetrics h)
    {
        string name = _objective.SelectionMetric;
        double v = h.Validation is { } m ? Metric(m, name) : name switch
        {
            "si_snri" => h.ValidSiSnri,                                     // histories written before the metric dictionary existed
            "si_snr" => h.ValidSiSnr,
            _ => double.NaN,
        };
        return _objective.HigherIsBetter ? v : -v;
    }

    private static string Describe(IReadOnlyDictionary<string, double>? metrics)
    {
        if (metrics is null) return "no validation";
        var parts = new List<string>();
        if (metrics.TryGetValue("si_snr", out var s)) parts.Add(string.Create(CultureInfo.InvariantCulture, $"valid SI-SNR {s:F2} dB"));
        if (metrics.TryGetValue("si_snri", out var si)) parts.Add(string.Create(CultureInfo.InvariantCulture, $"SI-SNRi {si:F2} dB"));
        foreach (var (name, value) in metrics)
            if (name is not ("si_snr" or "si_snri")) parts.Add(string.Create(CultureInfo.InvariantCulture, $"valid {name} {value:G5}"));
        return string.Join(", ", parts);
    }

    private void WriteHistory(string dir)
    {
        // Fixed columns, then the objective's other validation metrics (e.g. valid_loss) in first-seen order.
        var extra = _history.SelectMany(h => h.Validation?.Keys ?? []).Where(k => k is not ("si_snr" or "si_snri")).Distinct().ToList();
        var csv = new StringBuilder("epoch,train_loss,valid_si_snr,valid_si_snri,lr,seconds");
        foreach (var k in extra) csv.Append(",valid_").Append(k);
        csv.Append('\n');
        foreach (var h in _history)
            csv.AppendLine(string.Join(',', new[] { h.Epoch, h.TrainLoss, h.ValidSiSnr, h.ValidSiSnri, h.LearningRate, h.Seconds }
                .Concat(extra.Select(k => Metric(h.Validation, k)))
                .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        File.WriteAllText(Path.Combine(dir, "history.csv"), csv.ToString());
        File.WriteAllText(Path.Combine(dir, "history.json"), JsonSerializer.Serialize(_history, new JsonSerializerOptions(HistoryJson) { WriteIndented = true }));
    }

    private static readonly JsonSerializerOptions HistoryJson = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static List<EpochMetrics> ReadHistory(string dir)
    {
        var path = Path.Combine(dir, "history.json");
        if (!File.Exists(path)) return [];
        return JsonSerializer.Deserialize<List<EpochMetrics>>(File.ReadAllText(path), HistoryJson) ?? [];
    }
}
