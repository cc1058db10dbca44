namespace SpeechSeparation.Training;

/// <summary>
/// Cosine annealing from the base learning rate to <c>eta_min</c> over <c>T_max</c> epochs, then back up (the cosine
/// continues), as <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> 1.13 computes it: recursively,
/// <c>lr_t = (1 + cos(π t/T)) / (1 + cos(π (t−1)/T)) · (lr_{t−1} − η_min) + η_min</c>, with PyTorch's special cases.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    /// <summary>Creates the schedule.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (tMax <= 0) throw new ArgumentOutOfRangeException(nameof(tMax), tMax, "T_max must be positive.");
        TMax = tMax;
        EtaMin = etaMin;
        InitialStep();
    }

    /// <summary>Half period in epochs.</summary>
    public int TMax { get; private set; }

    /// <summary>Minimum learning rate.</summary>
    public double EtaMin { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLr()
    {
        var lrs = CurrentLrs();
        int t = LastEpoch;
        if (t == 0) return lrs;
        if (StepCount == 1 && t > 0)
            return [.. BaseLrs.Select(b => EtaMin + (b - EtaMin) * (1 + Math.Cos(t * Math.PI / TMax)) / 2)];
        if (PyMod(t - 1 - TMax, 2 * TMax) == 0)
            return [.. lrs.Select((lr, i) => lr + (BaseLrs[i] - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2)];
        return [.. lrs.Select(lr => (1 + Math.Cos(Math.PI * t / TMax)) / (1 + Math.Cos(Math.PI * (t - 1) / TMax)) * (lr - EtaMin) + EtaMin)];
    }

    /// <inheritdoc />
    protected override double[]? ClosedFormLr() =>
        [.. BaseLrs.Select(b => EtaMin + (b - EtaMin) * (1 + Math.Cos(Math.PI * LastEpoch / TMax)) / 2)];

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d)
    {
        d["T_max"] = (long)TMax;
        d["eta_min"] = EtaMin;
    }

    /// <inheritdoc />
    protected override void LoadHyperParameters(IReadOnlyDictionary<string, object?> d)
    {
        TMax = ReadInt(d, "T_max");
        EtaMin = ReadDouble(d, "eta_min");
    }
}
