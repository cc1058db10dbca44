namespace SpeechSeparation.Training;

/// <summary>
/// SGDR: cosine annealing from the base rate to <c>eta_min</c> over <c>T_i</c> epochs, restarting with
/// <c>T_{i+1} = T_i·T_mult</c> (<c>torch.optim.lr_scheduler.CosineAnnealingWarmRestarts</c> 1.13, closed form in the
/// position <c>T_cur</c> within the current cycle). Like PyTorch's, its <c>step</c> does not advance <see cref="LRScheduler.StepCount"/>.
/// </summary>
public sealed class CosineAnnealingWarmRestarts : LRScheduler
{
    /// <summary>Creates the schedule.</summary>
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult = 1, double etaMin = 0, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (t0 <= 0) throw new ArgumentOutOfRangeException(nameof(t0), t0, "Expected a positive integer T_0.");
        if (tMult < 1) throw new ArgumentOutOfRangeException(nameof(tMult), tMult, "Expected an integer T_mult >= 1.");
        T0 = t0;
        Ti = t0;
        TMult = tMult;
        EtaMin = etaMin;
        TCur = lastEpoch;
        InitialStep();
    }

    /// <summary>Length of the first cycle.</summary>
    public int T0 { get; private set; }

    /// <summary>Length of the current cycle.</summary>
    public int Ti { get; private set; }

    /// <summary>Cycle growth factor.</summary>
    public int TMult { get; private set; }

    /// <summary>Minimum learning rate.</summary>
    public double EtaMin { get; private set; }

    /// <summary>Epochs since the last restart.</summary>
    public double TCur { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLr() => [.. BaseLrs.Select(b => EtaMin + (b - EtaMin) * (1 + Math.Cos(Math.PI * TCur / Ti)) / 2)];

    /// <inheritdoc />
    public override void Step()
    {
        if (LastEpoch < 0)
        {
            Step(0);
            return;
        }
        TCur += 1;
        if (TCur >= Ti)
        {
            TCur -= Ti;
            Ti *= TMult;
        }
        LastEpoch++;
        Apply(GetLr());
    }

    /// <inheritdoc />
    public override void Step(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (epoch >= T0)
        {
            if (TMult == 1)
            {
                TCur = epoch % T0;
            }
            else
            {
                int n = (int)(Math.Log((double)epoch / T0 * (TMult - 1) + 1) / Math.Log(TMult));
                TCur = epoch - T0 * (Math.Pow(TMult, n) - 1) / (TMult - 1);
                Ti = T0 * (int)Math.Pow(TMult, n);
            }
        }
        else
        {
            Ti = T0;
            TCur = epoch;
        }
        LastEpoch = epoch;
        Apply(GetLr());
    }

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d)
    {
        d["T_0"] = (long)T0;
        d["T_i"] = (long)Ti;
        d["T_mult"] = (long)TMult;
        d["eta_min"] = EtaMin;
        d["T_cur"] = TCur;
    }

    /// <inheritdoc />
    protected override void LoadHyperParameters(IReadOnlyDictionary<string, object?> d)
    {
        T0 = ReadInt(d, "T_0");
        Ti = ReadInt(d, "T_i");
        TMult = ReadInt(d, "T_mult");
        EtaMin = ReadDouble(d, "eta_min");
        TCur = ReadDouble(d, "T_cur");
    }
}

/// <summary>
/// Polynomial decay to zero over <c>total_iters</c> steps (<c>torch.optim.lr_scheduler.PolynomialLR</c> 1.13, recursive form):
/// <c>lr_t = base·(1 − t/total)^power</c>, constant afterwards.
/// </summary>
public sealed class PolynomialLR : LRScheduler
{
    /// <summary>Creates the schedule (PyTorch's defaults: 5 steps, power 1).</summary>
    public PolynomialLR(Optimizer optimizer, int totalIters = 5, double power = 1.0, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        TotalIters = totalIters;
        Power = power;
        InitialStep();
    }

    /// <summary>Number of decaying steps.</summary>
    public int TotalIters { get; private set; }

    /// <summary>Polynomial power.</summary>
    public double Power { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLr()
    {
        var lrs = CurrentLrs();
        if (LastEpoch == 0 || LastEpoch > TotalIters) return lrs;
        double factor = Math.Pow((1.0 - (double)LastEpoch / TotalIters) / (1.0 - (double)(LastEpoch - 1) / TotalIters), Power);
        return [.. lrs.Select(lr => lr * factor)];
    }

    /// <inheritdoc />
    protected override double[]? ClosedFormLr() =>
        [.. BaseLrs.Select(b => b * Math.Pow(1.0 - (double)Math.Min(TotalIters, LastEpoch) / TotalIters, Power))];

    /// <inheritdoc />
    protected override void SaveHyperParameters(Dictionary<string, object?> d)
    {
        d["total_iters"] = (long)TotalIters;
        d["power"] = Power;
    }

    /// <inheritdoc />
    protected override void LoadHyperParameters(IReadOnlyDictionary<string, object?> d)
    {
        TotalIters = ReadInt(d, "total_iters");
        Power = ReadDouble(d, "power");
    }
}
