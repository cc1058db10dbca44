using System.Numerics;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Training;

/// <summary>
/// The whole state of a training run, as host data: model state dict, optimiser state, scheduler states (by name),
/// epoch and global step, best metric, random state, and free-form extras (metrics history, recipe). Written as one
/// <c>torch.save</c>-compatible file (<see cref="Save"/>, atomic: temporary file + rename) that PyTorch can open:
/// <c>{"format", "version", "model": OrderedDict, "optimizer": {...}, "schedulers": {...}, "epoch", "step",
/// "best_metric", "rng": {"seed", "state"}, "extra": {...}}</c>.
/// </summary>
public sealed record TrainingCheckpoint
{
    /// <summary>The <c>format</c> entry of the file.</summary>
    public const string FormatName = "speechseparation-training-checkpoint";

    /// <summary>The model's state dict (host copies).</summary>
    public Dictionary<string, HostTensor> Model { get; init; } = [];

    /// <summary>The optimiser's state dict, or null.</summary>
    public IReadOnlyDictionary<string, object?>? Optimizer { get; init; }

    /// <summary>Scheduler state dicts by name (e.g. <c>warmup</c>, <c>cosine</c>, <c>plateau</c>).</summary>
    public Dictionary<string, IReadOnlyDictionary<string, object?>> Schedulers { get; init; } = [];

    /// <summary>Epochs completed.</summary>
    public long Epoch { get; init; }

    /// <summary>Optimiser steps completed.</summary>
    public long Step { get; init; }

    /// <summary>Best validation metric so far, or null.</summary>
    public double? BestMetric { get; init; }

    /// <summary>The run seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>The managed generator state (see <see cref="TrainingRandom.GetState"/>), or null.</summary>
    public ulong[]? RandomState { get; init; }

    /// <summary>Anything else worth keeping (values the checkpoint writer accepts).</summary>
    public Dictionary<string, object?> Extra { get; init; } = [];

    /// <summary>Captures the live training objects (copies every tensor to host memory).</summary>
    public static TrainingCheckpoint Capture(torch.nn.Module model, Optimizer? optimizer, IReadOnlyDictionary<string, IStateful>? schedulers,
        long epoch, long step, double? bestMetric, TrainingRandom? random, Dictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new TrainingCheckpoint
        {
            Model = model.StateDictToHost(),
            Optimizer = optimizer?.StateDict(),
            Schedulers = schedulers?.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, object?>)kv.Value.StateDict()) ?? [],
            Epoch = epoch,
            Step = step,
            BestMetric = bestMetric,
            Seed = random?.Seed ?? 0,
            RandomState = random?.GetState(),
            Extra = extra ?? [],
        };
    }

    /// <summary>
    /// Puts the saved state back into live objects: model weights (strict), optimiser state, each named scheduler, and the
    /// random state (when <paramref name="random"/> is given; it must have been created with the same seed).
    /// </summary>
    /// <exception cref="InvalidDataException">A scheduler named in the arguments is not in the checkpoint.</exception>
    public void Restore(torch.nn.Module model, Optimizer? optimizer = null, IReadOnlyDictionary<string, IStateful>? schedulers = null, TrainingRandom? random = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.LoadStateDict(Model, strict: true);
        if (optimizer is not null)
            optimizer.LoadStateDict(Optimizer ?? throw new InvalidDataException("The checkpoint holds no optimiser state."));
        if (schedulers is not null)
            foreach (var (name, s) in schedulers)
                s.LoadStateDict(Schedulers.TryGetValue(name, out var st) ? st : throw new InvalidDataException($"The checkpoint holds no state for scheduler '{name}'."));
        if (random is not null && RandomState is not null)
        {
            if (random.Seed != Seed) throw new InvalidDataException($"The checkpoint was written by a run with seed {Seed}, not {random.Seed}.");
            random.SetState(RandomState);
        }
    }

    /// <summary>Writes the checkpoint atomically (a temporary file beside <paramref name="path"/>, then a rename).</summary>
    public void Save(string path) => TorchCheckpoint.Save(path, ToGraph());

    /// <summary>Writes only the model's state dict as a PyTorch-loadable <c>.pt</c> (an OrderedDict), atomically.</summary>
    public void ExportStateDict(string path) => TorchCheckpoint.Save(path, Model);

    /// <summary>The object graph written by <see cref="Save"/>.</summary>
    public Dictionary<string, object?> ToGraph()
    {
        var model = new PythonDict(ordered: true);
        foreach (var (k, v) in Model) model.Set(k, v);
        var schedulers = new Dictionary<string, object?>();
        foreach (var (k, v) in Schedulers) schedulers[k] = v;
        return new Dictionary<string, object?>
        {
            ["format"] = FormatName,
            ["version"] = 1L,
            ["model"] = model,
            ["optimizer"] = Optimizer,
            ["schedulers"] = schedulers,
            ["epoch"] = Epoch,
            ["step"] = Step,
            ["best_metric"] = BestMetric,
            ["rng"] = new Dictionary<string, object?>
            {
                ["seed"] = unchecked((long)Seed),
                ["state"] = RandomState?.Select(x => (object?)unchecked((long)x)).ToList(),
            },
            ["extra"] = Extra,
        };
    }

    /// <summary>Reads a checkpoint written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is damaged or is not a training checkpoint.</exception>
    public static TrainingCheckpoint Load(string path) => FromGraph(TorchCheckpoint.Load(path), path);

    /// <summary>Reads a checkpoint written by <see cref="Save"/> from a seekable stream positioned at its start.</summary>
    /// <param name="stream">The checkpoint's bytes.</param>
    /// <param name="name">What to call it in error messages.</param>
    /// <exception cref="InvalidDataException">The data is damaged or is not a training checkpoint.</exception>
    public static TrainingCheckpoint Load(Stream stream, string name = "checkpoint") => FromGraph(TorchCheckpoint.Load(stream), name);

    private static TrainingCheckpoint FromGraph(object? graph, string path)
    {
        var root = graph as IReadOnlyDictionary<string, object?>
            ?? throw new InvalidDataException($"{path}: not a training checkpoint (the top level is not a dictionary).");
        if (!root.TryGetValue("format", out var f) || f as string != FormatName)
            throw new InvalidDataException($"{path}: not a training checkpoint written by SpeechSeparation (no format entry '{FormatName}'); use StateDict.Load for plain state dicts.");
        var model = PyConvert.ToDict(PyConvert.Get(root, "model", path), "model")
            .ToDictionary(kv => kv.Key, kv => kv.Value as HostTensor ?? throw new InvalidDataException($"{path}: model entry '{kv.Key}' is not a tensor."));
        var scheds = new Dictionary<string, IReadOnlyDictionary<string, object?>>();
        if (root.TryGetValue("schedulers", out var s) && s is not null)
            foreach (var (k, v) in PyConvert.ToDict(s, "schedulers")) scheds[k] = PyConvert.ToDict(v, "schedulers." + k);
        var rng = root.TryGetValue("rng", out var r) && r is not null ? PyConvert.ToDict(r, "rng") : null;
        ulong seed = rng is not null && rng.TryGetValue("seed", out var sd) ? ToUInt64(sd) : 0;
        ulong[]? state = rng is not null && rng.TryGetValue("state", out var st) && st is not null
            ? [.. PyConvert.ToList(st, "rng.state").Select(ToUInt64)] : null;
        var extra = root.TryGetValue("extra", out var x) && x is not null
            ? PyConvert.ToDict(x, "extra").ToDictionary(kv => kv.Key, kv => kv.Value) : [];
        return new TrainingCheckpoint
        {
            Model = model,
            Optimizer = root.TryGetValue("optimizer", out var o) && o is not null ? PyConvert.ToDict(o, "optimizer") : null,
            Schedulers = scheds,
            Epoch = PyConvert.ToLong(PyConvert.Get(root, "epoch", path), "epoch"),
            Step = PyConvert.ToLong(PyConvert.Get(root, "step", path), "step"),
            BestMetric = root.TryGetValue("best_metric", out var b) && b is not null ? PyConvert.ToDouble(b, "best_metric") : null,
            Seed = seed,
            RandomState = state,
            Extra = extra,
        };
    }

    private static ulong ToUInt64(object? v) => v switch
    {
        long l => unchecked((ulong)l),
        BigInteger b => (ulong)(b & ulong.MaxValue),
        _ => unchecked((ulong)PyConvert.ToLong(v, "rng")),
    };
}
