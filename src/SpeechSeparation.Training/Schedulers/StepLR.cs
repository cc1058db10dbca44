namespace SpeechSeparation.Training;

/// <summary>Multiplies the learning rate by <c>gamma</c> every <c>step_size</c> epochs (<c>torch.optim.lr_scheduler.StepLR</c>).</summary>
public sealed class StepLR : LRScheduler
{
    /// <summary>Creates the schedule.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "step_size must be positive.");
        StepSize = stepSize;
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>Period in epochs.</summary>
    public int StepSize { get; private set; }

    /// <summary>Decay factor.</summary>
    public double Gamma { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLr()
    {
        var lrs = CurrentLrs();
        if (LastEpoch == 0 || LastEpoch % StepSize != 0) return lrs;
        return [.. lrs.Select(lr => lr * Gamma)];
    }

    /// <inheritdoc />
    protected override double[]? ClosedFormLr() => [.. BaseLrs.Select(b => b * Math.Pow(Gamma, Math.Floor((double)LastEpoch / StepSize)))];

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d)
    {
        d["step_size"] = (long)StepSize;
        d["gamma"] = Gamma;
    }

    /// <inheritdoc />
    protected override void LoadHyperParameters(IReadOnlyDictionary<string, object?> d)
    {
        StepSize = ReadInt(d, "step_size");
        Gamma = ReadDouble(d, "gamma");
    }
}

/// <summary>Multiplies the learning rate by <c>gamma</c> at each milestone epoch (<c>torch.optim.lr_scheduler.MultiStepLR</c>).</summary>
public sealed class MultiStepLR : LRScheduler
{
    /// <summary>Creates the schedule (a milestone listed twice decays twice).</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        Milestones = [.. milestones.Order()];
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The milestones, sorted.</summary>
    public int[] Milestones { get; private set; }

    /// <summary>Decay factor.</summary>
    public double Gamma { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLr()
    {
        var lrs = CurrentLrs();
        int count = Milestones.Count(m => m == LastEpoch);
        if (count == 0) return lrs;
        return [.. lrs.Select(lr => lr * Math.Pow(Gamma, count))];
    }

    /// <inheritdoc />
    protected override double[]? ClosedFormLr()
    {
        int passed = Milestones.Count(m => m <= LastEpoch);
        return [.. BaseLrs.Select(b => b * Math.Pow(Gamma, passed))];
    }

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d)
    {
        var counter = new Serialization.PythonDict();
        foreach (var g in Milestones.GroupBy(m => m)) counter.Set((long)g.Key, (long)g.Count());
        d["milestones"] = counter;
        d["gamma"] = Gamma;
    }

    /// <inheritdoc />
    protected override void LoadHyperParameters(IReadOnlyDictionary<string, object?> d)
    {
        var m = PyConvert.Get(d, "milestones", "scheduler state");
        if (m is IReadOnlyDictionary<string, object?> counter)
            Milestones = [.. counter.SelectMany(kv => Enumerable.Repeat(int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture), (int)PyConvert.ToLong(kv.Value, "milestones"))).Order()];
        else
            Milestones = [.. PyConvert.ToList(m, "milestones").Select(x => (int)PyConvert.ToLong(x, "milestones")).Order()];
        Gamma = ReadDouble(d, "gamma");
    }
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every epoch (<c>torch.optim.lr_scheduler.ExponentialLR</c>).</summary>
public sealed class ExponentialLR : LRScheduler
{
    /// <summary>Creates the schedule.</summary>
    public ExponentialLR(Optimizer optimizer, double gamma, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>Decay factor.</summary>
    public double Gamma { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLr() => LastEpoch == 0 ? CurrentLrs() : [.. CurrentLrs().Select(lr => lr * Gamma)];

    /// <inheritdoc />
    protected override double[]? ClosedFormLr() => [.. BaseLrs.Select(b => b * Math.Pow(Gamma, LastEpoch))];

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d) => d["gamma"] = Gamma;

    /// <inheritdoc />
    protected override void LoadHyperParameters(IReadOnlyDictionary<string, object?> d) => Gamma = ReadDouble(d, "gamma");
}
