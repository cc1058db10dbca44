namespace SpeechSeparation.Training;

/// <summary>
/// Base of the epoch/step learning-rate schedulers, as <c>torch.optim.lr_scheduler._LRScheduler</c> 1.13: construction
/// records each group's <c>initial_lr</c> and performs the initial step (<see cref="LastEpoch"/> becomes 0);
/// each <see cref="Step()"/> advances <see cref="LastEpoch"/> and sets the groups' learning rates with the recursive
/// ("chainable") formula, so schedulers can be combined and the numbers match PyTorch bit for bit.
/// Derived classes must call <see cref="InitialStep"/> at the end of their constructor.
/// </summary>
public abstract class LRScheduler : IStateful
{
    /// <summary>Attaches to an optimiser; <paramref name="lastEpoch"/> = −1 starts afresh (resuming needs <c>initial_lr</c> in every group).</summary>
    protected LRScheduler(Optimizer optimizer, int lastEpoch = -1)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        foreach (var g in optimizer.ParamGroups)
        {
            if (lastEpoch == -1) g.InitialLr ??= g.Lr;
            else if (g.InitialLr is null)
                throw new ArgumentException("param 'initial_lr' is not specified in param_groups when resuming an optimizer.", nameof(lastEpoch));
        }
        BaseLrs = [.. optimizer.ParamGroups.Select(g => g.InitialLr!.Value)];
        LastEpoch = lastEpoch;
        LastLr = [.. optimizer.ParamGroups.Select(g => g.Lr)];
    }

    /// <summary>The optimiser whose learning rates are set.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Each group's starting learning rate.</summary>
    public double[] BaseLrs { get; private set; }

    /// <summary>The epoch (or step) counter: 0 after construction, +1 per <see cref="Step()"/>.</summary>
    public int LastEpoch { get; protected set; }

    /// <summary>Number of steps taken including the initial one (PyTorch's <c>_step_count</c>).</summary>
    public int StepCount { get; protected set; }

    /// <summary>The learning rates set by the last step.</summary>
    public double[] LastLr { get; private set; }

    /// <summary>The learning rates of the next epoch from the current ones (PyTorch's chainable <c>get_lr</c>).</summary>
    protected abstract double[] GetLr();

    /// <summary>The closed form at <see cref="LastEpoch"/> (PyTorch's <c>_get_closed_form_lr</c>), or null when there is none.</summary>
    protected virtual double[]? ClosedFormLr() => null;

    /// <summary>Performs PyTorch's initial step; call it last in a derived constructor.</summary>
    protected void InitialStep()
    {
        StepCount = 0;
        Step();
    }

    /// <summary>Moves the counter back one epoch without touching the learning rates (used by <see cref="SequentialLR"/>).</summary>
    internal void UndoStep() => LastEpoch--;

    /// <summary>Re-runs the initial step (used by <see cref="SequentialLR"/>).</summary>
    internal void RestartInitialStep() => InitialStep();

    /// <summary>Advances one epoch (or step) and sets the learning rates.</summary>
    public virtual void Step()
    {
        StepCount++;
        LastEpoch++;
        Apply(GetLr());
    }

    /// <summary>Jumps to <paramref name="epoch"/> (PyTorch's deprecated <c>step(epoch)</c>): the closed form when there is one.</summary>
    public virtual void Step(int epoch)
    {
        StepCount++;
        LastEpoch = epoch;
        Apply(ClosedFormLr() ?? GetLr());
    }

    /// <summary>Sets the groups' learning rates and records them as <see cref="LastLr"/>.</summary>
    protected void Apply(double[] lrs)
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++) groups[i].Lr = lrs[i];
        LastLr = lrs;
    }

    /// <summary>The groups' current learning rates.</summary>
    protected double[] CurrentLrs() => [.. Optimizer.ParamGroups.Select(g => g.Lr)];

    /// <summary>PyTorch's <c>state_dict</c>: every attribute but the optimiser, under PyTorch's names.</summary>
    public virtual Dictionary<string, object?> StateDict()
    {
        var d = new Dictionary<string, object?>();
        SaveHyperParameters(d);
        d["base_lrs"] = BaseLrs.Select(x => (object?)x).ToList();
        d["last_epoch"] = (long)LastEpoch;
        d["_step_count"] = (long)StepCount;
        d["verbose"] = false;
        d["_get_lr_called_within_step"] = false;
        d["_last_lr"] = LastLr.Select(x => (object?)x).ToList();
        return d;
    }

    /// <summary>Restores a state dict (the counters, base and last learning rates, and the hyper-parameters).</summary>
    public virtual void LoadStateDict(IReadOnlyDictionary<string, object?> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        BaseLrs = PyConvert.ToDoubles(PyConvert.Get(state, "base_lrs", "scheduler state"), "base_lrs");
        LastEpoch = (int)PyConvert.ToLong(PyConvert.Get(state, "last_epoch", "scheduler state"), "last_epoch");
        StepCount = state.TryGetValue("_step_count", out var sc) ? (int)PyConvert.ToLong(sc, "_step_count") : LastEpoch + 1;
        if (state.TryGetValue("_last_lr", out var ll) && ll is not null) LastLr = PyConvert.ToDoubles(ll, "_last_lr");
        LoadHyperParameters(state);
    }

    /// <summary>Writes the scheduler's own hyper-parameters and counters (PyTorch attribute names).</summary>
    protected virtual void SaveHyperParameters(Dictionary<string, object?> d) { }

    /// <summary>Reads what <see cref="SaveHyperParameters"/> wrote.</summary>
    protected virtual void LoadHyperParameters(IReadOnlyDictionary<string, object?> d) { }

    /// <summary>A numeric entry of a state dict.</summary>
    protected static double ReadDouble(IReadOnlyDictionary<string, object?> d, string key) =>
        PyConvert.ToDouble(PyConvert.Get(d, key, "scheduler state"), key);

    /// <summary>An integer entry of a state dict.</summary>
    protected static int ReadInt(IReadOnlyDictionary<string, object?> d, string key) =>
        (int)PyConvert.ToLong(PyConvert.Get(d, key, "scheduler state"), key);

    /// <summary>Python's <c>a % b</c> for a positive modulus (never negative).</summary>
    protected static int PyMod(int a, int b) => ((a % b) + b) % b;
}
