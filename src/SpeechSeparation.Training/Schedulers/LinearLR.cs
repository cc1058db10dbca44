namespace SpeechSeparation.Training;

/// <summary>
/// Linear warm-up (or decay): the learning rate factor goes linearly from <c>start_factor</c> to <c>end_factor</c> over
/// <c>total_iters</c> steps and then stays, as <c>torch.optim.lr_scheduler.LinearLR</c> 1.13 (recursive form). Note that
/// constructing it already multiplies the learning rate by <c>start_factor</c>.
/// </summary>
/// <example><code>var warmup = new LinearLR(optimizer, startFactor: 0.01, totalIters: 1000); // call warmup.Step() per batch</code></example>
public sealed class LinearLR : LRScheduler
{
    /// <summary>Creates the schedule (PyTorch's defaults: 1/3 → 1 over 5 steps).</summary>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (startFactor > 1.0 || startFactor <= 0)
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.");
        if (endFactor > 1.0 || endFactor < 0)
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "Ending multiplicative factor expected to be between 0 and 1.");
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        InitialStep();
    }

    /// <summary>Factor at step 0.</summary>
    public double StartFactor { get; private set; }

    /// <summary>Factor from <see cref="TotalIters"/> on.</summary>
    public double EndFactor { get; private set; }

    /// <summary>Length of the ramp in steps.</summary>
    public int TotalIters { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLr()
    {
        var lrs = CurrentLrs();
        if (LastEpoch == 0) return [.. lrs.Select(lr => lr * StartFactor)];
        if (LastEpoch > TotalIters) return lrs;
        return [.. lrs.Select(lr => lr * (1.0 + (EndFactor - StartFactor) /
            (TotalIters * StartFactor + (LastEpoch - 1) * (EndFactor - StartFactor))))];
    }

    /// <inheritdoc />
    protected override double[]? ClosedFormLr() =>
        [.. BaseLrs.Select(b => b * (StartFactor + (EndFactor - StartFactor) * Math.Min(TotalIters, LastEpoch) / TotalIters))];

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d)
    {
        d["start_factor"] = StartFactor;
        d["end_factor"] = EndFactor;
        d["total_iters"] = (long)TotalIters;
    }

    /// <inheritdoc />
    protected override void LoadHyperParameters(IReadOnlyDictionary<string, object?> d)
    {
        StartFactor = ReadDouble(d, "start_factor");
        EndFactor = ReadDouble(d, "end_factor");
        TotalIters = ReadInt(d, "total_iters");
    }
}

/// <summary>
/// A constant factor for the first <c>total_iters</c> steps, then the base rate (<c>torch.optim.lr_scheduler.ConstantLR</c>):
/// a step warm-up.
/// </summary>
public sealed class ConstantLR : LRScheduler
{
    /// <summary>Creates the schedule (PyTorch's defaults: factor 1/3 for 5 steps).</summary>
    public ConstantLR(Optimizer optimizer, double factor = 1.0 / 3, int totalIters = 5, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (factor > 1.0 || factor < 0) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Constant multiplicative factor expected to be between 0 and 1.");
        Factor = factor;
        TotalIters = totalIters;
        InitialStep();
    }

    /// <summary>The factor.</summary>
    public double Factor { get; private set; }

    /// <summary>Number of steps at the reduced rate.</summary>
    public int TotalIters { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLr()
    {
        var lrs = CurrentLrs();
        if (LastEpoch == 0) return [.. lrs.Select(lr => lr * Factor)];
        if (LastEpoch > TotalIters || LastEpoch != TotalIters) return lrs;
        return [.. lrs.Select(lr => lr * (1.0 / Factor))];
    }

    /// <inheritdoc />
    protected override double[]? ClosedFormLr() =>
        [.. BaseLrs.Select(b => b * (Factor + (LastEpoch >= TotalIters ? 1 : 0) * (1 - Factor)))];

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d)
    {
        d["factor"] = Factor;
        d["total_iters"] = (long)TotalIters;
    }

    /// <inheritdoc />
    protected override void LoadHyperParameters(IReadOnlyDictionary<string, object?> d)
    {
        Factor = ReadDouble(d, "factor");
        TotalIters = ReadInt(d, "total_iters");
    }
}

/// <summary>The base learning rate times a function of the epoch (<c>torch.optim.lr_scheduler.LambdaLR</c>); the function is not saved.</summary>
public sealed class LambdaLR : LRScheduler
{
    private readonly Func<int, double> _lambda;

    /// <summary>Creates the schedule.</summary>
    public LambdaLR(Optimizer optimizer, Func<int, double> lrLambda, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        _lambda = lrLambda ?? throw new ArgumentNullException(nameof(lrLambda));
        InitialStep();
    }

    /// <inheritdoc />
    protected override double[] GetLr() => [.. BaseLrs.Select(b => b * _lambda(LastEpoch))];

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d) => d["lr_lambdas"] = new List<object?> { null };
}
