namespace SpeechSeparation.Training;

/// <summary>
/// Runs schedulers one after another, switching at milestones (<c>torch.optim.lr_scheduler.SequentialLR</c> 1.13),
/// typically a linear warm-up then cosine annealing. On construction the learning rates are reset to <c>initial_lr</c>,
/// every scheduler's counter is moved back one step and the first one re-does its initial step; at a milestone the next
/// scheduler is started with <c>step(0)</c> (its closed form at epoch 0).
/// </summary>
/// <example><code>
/// var warmup = new LinearLR(opt, startFactor: 0.01, totalIters: 1000);
/// var cosine = new CosineAnnealingLR(opt, tMax: 99_000);
/// var schedule = new SequentialLR(opt, [warmup, cosine], milestones: [1000]);   // schedule.Step() per batch
/// </code></example>
public sealed class SequentialLR : IStateful
{
    private readonly LRScheduler[] _schedulers;
    private readonly int[] _milestones;

    /// <summary>Chains <paramref name="schedulers"/> (all on <paramref name="optimizer"/>) at <paramref name="milestones"/>.</summary>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones, int lastEpoch = -1)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count < 1) throw new ArgumentException("SequentialLR expects at least one scheduler.", nameof(schedulers));
        foreach (var s in schedulers)
            if (!ReferenceEquals(s.Optimizer, optimizer))
                throw new ArgumentException("SequentialLR expects all schedulers to belong to the same optimizer.", nameof(schedulers));
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got {schedulers.Count} schedulers and {milestones.Count} milestones.", nameof(milestones));
        Optimizer = optimizer;
        _schedulers = [.. schedulers];
        _milestones = [.. milestones];
        LastEpoch = lastEpoch + 1;
        foreach (var g in optimizer.ParamGroups) g.Lr = g.InitialLr ?? g.Lr;
        foreach (var s in _schedulers) s.UndoStep();
        _schedulers[0].RestartInitialStep();
        LastLr = _schedulers[0].LastLr;
    }

    /// <summary>The optimiser.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The step counter.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The learning rates after the last step.</summary>
    public double[] LastLr { get; private set; }

    /// <summary>The chained schedulers.</summary>
    public IReadOnlyList<LRScheduler> Schedulers => _schedulers;

    /// <summary>Advances one step: the scheduler of the current segment steps (restarting at a milestone).</summary>
    public void Step()
    {
        LastEpoch++;
        int idx = _milestones.Count(m => m <= LastEpoch);            // bisect_right
        var scheduler = _schedulers[idx];
        if (idx > 0 && _milestones[idx - 1] == LastEpoch) scheduler.Step(0);
        else scheduler.Step();
        LastLr = scheduler.LastLr;
    }

    /// <inheritdoc />
    public Dictionary<string, object?> StateDict() => new()
    {
        ["_milestones"] = _milestones.Select(m => (object?)(long)m).ToList(),
        ["last_epoch"] = (long)LastEpoch,
        ["_last_lr"] = LastLr.Select(x => (object?)x).ToList(),
        ["_schedulers"] = _schedulers.Select(s => (object?)s.StateDict()).ToList(),
    };

    /// <inheritdoc />
    public void LoadStateDict(IReadOnlyDictionary<string, object?> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        LastEpoch = (int)PyConvert.ToLong(PyConvert.Get(state, "last_epoch", "SequentialLR state"), "last_epoch");
        if (state.TryGetValue("_last_lr", out var ll) && ll is not null) LastLr = PyConvert.ToDoubles(ll, "_last_lr");
        var subs = PyConvert.ToList(PyConvert.Get(state, "_schedulers", "SequentialLR state"), "_schedulers");
        if (subs.Count != _schedulers.Length)
            throw new InvalidDataException($"The saved SequentialLR chains {subs.Count} schedulers, this one {_schedulers.Length}.");
        for (int i = 0; i < subs.Count; i++) _schedulers[i].LoadStateDict(PyConvert.ToDict(subs[i], $"_schedulers[{i}]"));
    }
}
