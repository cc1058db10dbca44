namespace SpeechSeparation.Training;

/// <summary>Whether a monitored metric should go down (a loss) or up (an SI-SNRi).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> compares a metric with the best one.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than <c>best·(1 ∓ threshold)</c>.</summary>
    Rel,

    /// <summary>Absolute: better than <c>best ∓ threshold</c>.</summary>
    Abs,
}

/// <summary>
/// Reduces the learning rate by <c>factor</c> when a metric has not improved for more than <c>patience</c> epochs, as
/// <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c> 1.13 (threshold modes, cooldown, per-group minimum, and the
/// <c>eps</c> rule: a reduction smaller than eps is skipped).
/// </summary>
public sealed class ReduceLROnPlateau : IStateful
{
    /// <summary>Creates the scheduler (PyTorch's defaults).</summary>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0, double minLr = 0, double eps = 1e-8)
        : this(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown,
            Enumerable.Repeat(minLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), eps) { }

    /// <summary>Creates the scheduler with a minimum learning rate per group.</summary>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode, double factor, int patience, double threshold,
        ThresholdMode thresholdMode, int cooldown, double[] minLrs, double eps)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        if (factor >= 1.0) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Factor should be < 1.0.");
        ArgumentNullException.ThrowIfNull(minLrs);
        if (minLrs.Length != optimizer.ParamGroups.Count)
            throw new ArgumentException($"expected {optimizer.ParamGroups.Count} min_lrs, got {minLrs.Length}", nameof(minLrs));
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        MinLrs = minLrs;
        Eps = eps;
        Best = ModeWorse;
        LastLr = [.. optimizer.ParamGroups.Select(g => g.Lr)];
    }

    /// <summary>The optimiser whose learning rates are reduced.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Min or max.</summary>
    public PlateauMode Mode { get; private set; }

    /// <summary>Reduction factor.</summary>
    public double Factor { get; private set; }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; private set; }

    /// <summary>Improvement threshold.</summary>
    public double Threshold { get; private set; }

    /// <summary>Relative or absolute threshold.</summary>
    public ThresholdMode ThresholdMode { get; private set; }

    /// <summary>Epochs to wait after a reduction before counting again.</summary>
    public int Cooldown { get; private set; }

    /// <summary>Per-group lower bounds.</summary>
    public double[] MinLrs { get; private set; }

    /// <summary>Smallest change applied.</summary>
    public double Eps { get; private set; }

    /// <summary>Best metric so far.</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive epochs without improvement.</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>Remaining cooldown epochs.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>Number of <see cref="Step"/> calls.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The learning rates after the last step.</summary>
    public double[] LastLr { get; private set; }

    private double ModeWorse => Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Records an epoch's metric and reduces the learning rates when it has plateaued.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            NumBadEpochs = 0;
        }
        if (NumBadEpochs > Patience)
        {
            ReduceLr();
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
        LastLr = [.. Optimizer.ParamGroups.Select(g => g.Lr)];
    }

    private void ReduceLr()
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            double old = groups[i].Lr;
            double lr = Math.Max(old * Factor, MinLrs[i]);
            if (old - lr > Eps) groups[i].Lr = lr;
        }
    }

    /// <summary>Whether <paramref name="a"/> improves on <paramref name="best"/> under the mode and threshold.</summary>
    public bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > best * (Threshold + 1.0),
        _ => a > best + Threshold,
    };

    /// <inheritdoc />
    public Dictionary<string, object?> StateDict() => new()
    {
        ["factor"] = Factor,
        ["min_lrs"] = MinLrs.Select(x => (object?)x).ToList(),
        ["patience"] = (long)Patience,
        ["verbose"] = false,
        ["cooldown"] = (long)Cooldown,
        ["cooldown_counter"] = (long)CooldownCounter,
        ["mode"] = Mode == PlateauMode.Min ? "min" : "max",
        ["threshold"] = Threshold,
        ["threshold_mode"] = ThresholdMode == ThresholdMode.Rel ? "rel" : "abs",
        ["best"] = Best,
        ["num_bad_epochs"] = (long)NumBadEpochs,
        ["mode_worse"] = ModeWorse,
        ["eps"] = Eps,
        ["last_epoch"] = (long)LastEpoch,
        ["_last_lr"] = LastLr.Select(x => (object?)x).ToList(),
    };

    /// <inheritdoc />
    public void LoadStateDict(IReadOnlyDictionary<string, object?> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        double D(string k) => PyConvert.ToDouble(PyConvert.Get(state, k, "ReduceLROnPlateau state"), k);
        int I(string k) => (int)PyConvert.ToLong(PyConvert.Get(state, k, "ReduceLROnPlateau state"), k);
        string S(string k) => PyConvert.Get(state, k, "ReduceLROnPlateau state") as string ?? throw new InvalidDataException($"{k}: expected a string.");
        Factor = D("factor");
        MinLrs = PyConvert.ToDoubles(PyConvert.Get(state, "min_lrs", "ReduceLROnPlateau state"), "min_lrs");
        Patience = I("patience");
        Cooldown = I("cooldown");
        CooldownCounter = I("cooldown_counter");
        Mode = S("mode") == "max" ? PlateauMode.Max : PlateauMode.Min;
        Threshold = D("threshold");
        ThresholdMode = S("threshold_mode") == "abs" ? ThresholdMode.Abs : ThresholdMode.Rel;
        Best = D("best");
        NumBadEpochs = I("num_bad_epochs");
        Eps = D("eps");
        LastEpoch = I("last_epoch");
        if (state.TryGetValue("_last_lr", out var ll) && ll is not null) LastLr = PyConvert.ToDoubles(ll, "_last_lr");
    }
}
