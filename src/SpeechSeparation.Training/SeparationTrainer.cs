using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training;

/// <summary>Settings of <see cref="SeparationTrainer"/>.</summary>
public sealed record TrainerOptions
{
    /// <summary>Epochs to train (a resumed run continues up to this count).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Global gradient-norm clip (≤ 0 disables it).</summary>
    public double ClipNorm { get; init; } = 5.0;
    /// <summary>Stop after this many epochs without a better validation SI-SNRi (≤ 0 disables early stopping).</summary>
    public int EarlyStoppingPatience { get; init; } = 10;
    /// <summary>Where checkpoints and the metrics history go (null: no checkpoints, no resume).</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Checkpoints kept besides <c>best.pt</c>.</summary>
    public int KeepLast { get; init; } = 3;
    /// <summary>Training steps between log lines.</summary>
    public int LogEvery { get; init; } = 50;
    /// <summary>Seed of the per-step libtorch generator (dropout) and of the checkpointed random state.</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>Metrics of one epoch.</summary>
/// <param name="Epoch">Epoch number (1-based).</param>
/// <param name="TrainLoss">Mean training loss (negative PIT SI-SNR, dB).</param>
/// <param name="ValidSiSnr">Mean validation SI-SNR of the estimates (dB), NaN without validation.</param>
/// <param name="ValidSiSnri">Mean validation SI-SNR improvement over the mixture (dB), NaN without validation.</param>
/// <param name="LearningRate">Learning rate at the end of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double ValidSiSnr, double ValidSiSnri, double LearningRate, double Seconds);

/// <summary>Where a running training is.</summary>
/// <param name="Epoch">Current epoch (1-based).</param>
/// <param name="Step">Step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="Loss">Running mean loss of the epoch.</param>
public readonly record struct TrainingProgress(int Epoch, int Step, int StepsPerEpoch, double Loss);

/// <summary>
/// Trains a separator with permutation-invariant SI-SNR: epochs of Adam/SGD steps with gradient clipping, validation by
/// SI-SNRi, a plateau scheduler, early stopping, atomic checkpoints (resumable: a second <see cref="Fit"/> on the same
/// folder continues where the last saved epoch ended) and a metrics history (<c>history.csv</c>, <c>history.json</c>).
/// </summary>
public sealed class SeparationTrainer
{
    private readonly Module _model;
    private readonly Func<Tensor, Tensor> _estimate;
    private readonly Optimizer _optimizer;
    private readonly ReduceLROnPlateau? _scheduler;
    private readonly TrainerOptions _options;
    private readonly ILogger _logger;
    private readonly List<EpochMetrics> _history = [];

    /// <param name="model">The module whose parameters the optimiser updates.</param>
    /// <param name="estimate">Mixtures [B, T] → estimated sources [B, T, S] (SpeechBrain's layout).</param>
    /// <param name="optimizer">The optimiser over the model's parameters.</param>
    /// <param name="scheduler">Optional plateau scheduler stepped with the validation loss.</param>
    /// <param name="options">Settings.</param>
    /// <param name="logger">Progress log.</param>
    public SeparationTrainer(Module model, Func<Tensor, Tensor> estimate, Optimizer optimizer, ReduceLROnPlateau? scheduler = null,
        TrainerOptions? options = null, ILogger? logger = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _estimate = estimate ?? throw new ArgumentNullException(nameof(estimate));
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _scheduler = scheduler;
        _options = options ?? new TrainerOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Metrics of every finished epoch (including epochs restored from a checkpoint's history).</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>Trains until <see cref="TrainerOptions.Epochs"/>, early stopping or cancellation.</summary>
    public IReadOnlyList<EpochMetrics> Fit(DataLoader train, DataLoader? valid = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var random = new TrainingRandom(_options.Seed);
        var manager = _options.CheckpointDirectory is null ? null : new CheckpointManager(_options.CheckpointDirectory, _options.KeepLast);
        var schedulers = _scheduler is null ? null : new Dictionary<string, IStateful> { ["plateau"] = _scheduler };
        int startEpoch = 0;
        long step = 0;
        double best = double.NegativeInfinity;
        if (manager?.LoadLatest() is { } resume)
        {
            resume.Restore(_model, _optimizer, schedulers, random);
            startEpoch = (int)resume.Epoch;
            step = resume.Step;
            best = resume.BestMetric is { } b ? -b : double.NegativeInfinity;
            _history.Clear();
            _history.AddRange(ReadHistory(_options.CheckpointDirectory!).Where(h => h.Epoch <= startEpoch));
            _logger.LogInformation("Resumed from epoch {Epoch} (step {Step})", startEpoch, step);
        }
        int sinceBest = _history.Count == 0 ? 0 : _history.Count - 1 - _history.FindLastIndex(h => h.ValidSiSnri >= best);

        for (int epoch = startEpoch + 1; epoch <= _options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            _model.Train();
            double lossSum = 0;
            int n = 0, steps = train.BatchesPerEpoch;
            foreach (var batch in train.Epoch(epoch, cancellationToken))
            {
                using var _ = batch;
                using var scope = torch.NewDisposeScope();
                random.SeedTorch(step);
                var loss = PitSiSnrLoss.Loss(batch.Targets, _estimate(batch.Mixtures)).mean();
                _optimizer.ZeroGrad();
                loss.backward();
                if (_options.ClipNorm > 0) GradientClipping.ClipGradNorm(_model.Parameters(), _options.ClipNorm);
                _optimizer.Step();
                double v = loss.item();
                if (!double.IsFinite(v)) throw new InvalidOperationException($"The training loss became {v} at epoch {epoch}, step {n + 1}.");
                lossSum += v;
                n++;
                step++;
                progress?.Report(new TrainingProgress(epoch, n, steps, lossSum / n));
                if (_options.LogEvery > 0 && n % _options.LogEvery == 0)
                    _logger.LogInformation("epoch {Epoch} step {Step}/{Steps} loss {Loss:F3}", epoch, n, steps, lossSum / n);
            }
            var (siSnr, siSnri) = valid is null ? (double.NaN, double.NaN) : Validate(valid, epoch, cancellationToken);
            if (_scheduler is not null && !double.IsNaN(siSnri)) _scheduler.Step(-siSnri);
            var metrics = new EpochMetrics(epoch, n > 0 ? lossSum / n : double.NaN, siSnr, siSnri, _optimizer.ParamGroups[0].Lr, clock.Elapsed.TotalSeconds);
            _history.Add(metrics);
            _logger.LogInformation("epoch {Epoch}: train loss {Loss:F3}, valid SI-SNR {SiSnr:F2} dB, SI-SNRi {SiSnri:F2} dB ({Seconds:F0} s)",
                epoch, metrics.TrainLoss, siSnr, siSnri, metrics.Seconds);
            bool improved = double.IsNaN(siSnri) || siSnri > best;
            if (improved && !double.IsNaN(siSnri)) best = siSnri;
            sinceBest = improved ? 0 : sinceBest + 1;
            if (manager is not null)
            {
                var ckpt = TrainingCheckpoint.Capture(_model, _optimizer, schedulers, epoch, step,
                    double.IsNegativeInfinity(best) ? null : -best, random);
                manager.Save(ckpt, double.IsNaN(siSnri) ? null : -siSnri);
                WriteHistory(_options.CheckpointDirectory!);
            }
            if (_options.EarlyStoppingPatience > 0 && sinceBest >= _options.EarlyStoppingPatience)
            {
                _logger.LogInformation("Early stopping: no better SI-SNRi for {Epochs} epochs", sinceBest);
                break;
            }
        }
        return _history;
    }

    /// <summary>Mean SI-SNR of the estimates and its improvement over the unprocessed mixture.</summary>
    public (double SiSnr, double SiSnri) Validate(DataLoader valid, int epoch = 0, CancellationToken cancellationToken = default)
    {
        _model.Eval();
        double est = 0, mix = 0;
        int n = 0;
        using var _ = torch.no_grad();
        foreach (var batch in valid.Epoch(epoch, cancellationToken))
        {
            using var b = batch;
            using var scope = torch.NewDisposeScope();
            long s = b.Targets.size(2);
            var mixtures = b.Mixtures.unsqueeze(2).expand(-1, -1, s);
            est += -PitSiSnrLoss.Loss(b.Targets, _estimate(b.Mixtures)).sum().item();
            mix += -PitSiSnrLoss.Loss(b.Targets, mixtures).sum().item();
            n += (int)b.Targets.size(0);
        }
        _model.Train();
        return n == 0 ? (double.NaN, double.NaN) : (est / n, (est - mix) / n);
    }

    private void WriteHistory(string dir)
    {
        var csv = new StringBuilder("epoch,train_loss,valid_si_snr,valid_si_snri,lr,seconds\n");
        foreach (var h in _history)
            csv.AppendLine(string.Join(',', new[] { h.Epoch, h.TrainLoss, h.ValidSiSnr, h.ValidSiSnri, h.LearningRate, h.Seconds }
                .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        File.WriteAllText(Path.Combine(dir, "history.csv"), csv.ToString());
        File.WriteAllText(Path.Combine(dir, "history.json"), JsonSerializer.Serialize(_history, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
    }

    private static List<EpochMetrics> ReadHistory(string dir)
    {
        var path = Path.Combine(dir, "history.json");
        if (!File.Exists(path)) return [];
        return JsonSerializer.Deserialize<List<EpochMetrics>>(File.ReadAllText(path), new JsonSerializerOptions
        {
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }) ?? [];
    }
}
