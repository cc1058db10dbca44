using System.Text.Json;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Training;

namespace SpeechSeparation.Conformance.Training;

/// <summary>
/// <c>kind: lr-scheduler</c>: an optimiser at <c>initial_lr</c>, the named <c>torch.optim.lr_scheduler</c> scheduler built
/// from <c>kwargs</c>, one <c>step()</c> per entry of <c>metrics_per_epoch</c> (<c>step(metric)</c> for ReduceLROnPlateau),
/// and the learning rate after each step compared with <c>lr_after_each_step</c>. Supported: StepLR, MultiStepLR,
/// ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR, ConstantLR, PolynomialLR, ReduceLROnPlateau, and
/// SequentialLR / ChainedScheduler whose <c>kwargs.schedulers</c> list objects naming a scheduler with its <c>kwargs</c>.
/// </summary>
internal sealed class LrSchedulerHandler : IFixtureHandler
{
    public string Name => "lr-scheduler";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "lr-scheduler";

    public void Run(Fixture fixture, FixtureReport report)
    {
        var cfg = fixture.Config;
        string name = cfg.GetProperty("scheduler").GetString()!.Split('.')[^1];
        var kw = cfg.TryGetProperty("kwargs", out var k) && k.ValueKind == JsonValueKind.Object ? k : default;
        double initialLr = cfg.GetProperty("initial_lr").GetDouble();
        var metrics = cfg.GetProperty("metrics_per_epoch").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        var expected = cfg.GetProperty("lr_after_each_step").EnumerateArray().Select(x => x.GetDouble()).ToArray();

        using var p = new Parameter(torch.zeros([1], ScalarType.Float64).DetachFromDisposeScope());
        using var optimizer = new SGD([p], initialLr);
        double D(string key, double dflt) => kw.ValueKind == JsonValueKind.Object && kw.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : dflt;
        int I(string key, int dflt) => (int)D(key, dflt);
        string S(string key, string dflt) => kw.ValueKind == JsonValueKind.Object && kw.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : dflt;

        double MinLr() => kw.ValueKind == JsonValueKind.Object && kw.TryGetProperty("min_lr", out var v) && v.ValueKind == JsonValueKind.Array
            ? v[0].GetDouble() : D("min_lr", 0);
        var got = new List<double>();
        if (name == "ReduceLROnPlateau")
        {
            var plateau = new ReduceLROnPlateau(optimizer,
                S("mode", "min") == "max" ? PlateauMode.Max : PlateauMode.Min, D("factor", 0.1), I("patience", 10), D("threshold", 1e-4),
                S("threshold_mode", "rel") == "abs" ? ThresholdMode.Abs : ThresholdMode.Rel, I("cooldown", 0), MinLr(), D("eps", 1e-8));
            foreach (var m in metrics)
            {
                plateau.Step(m);
                got.Add(optimizer.ParamGroups[0].Lr);
            }
        }
        else
        {
            Action step = name switch
            {
                "SequentialLR" => BuildSequential(optimizer, kw),
                "ChainedScheduler" => BuildChained(optimizer, kw),
                _ => Build(name, kw, optimizer).Step,
            };
            foreach (var _ in metrics)
            {
                step();
                got.Add(optimizer.ParamGroups[0].Lr);
            }
        }
        report.Compare("lr_after_each_step", got.ToArray(), expected, fixture.ToleranceFor("lr_after_each_step"));
    }

    /// <summary>Sub-schedulers of SequentialLR/ChainedScheduler: objects naming the class (<c>scheduler</c>, <c>name</c>, <c>type</c> or <c>class</c>) with their <c>kwargs</c>.</summary>
    private static List<LRScheduler> BuildList(Optimizer optimizer, JsonElement kw)
    {
        var list = new List<LRScheduler>();
        foreach (var e in kw.GetProperty("schedulers").EnumerateArray())
        {
            string? n = null;
            foreach (var key in new[] { "scheduler", "name", "type", "class" })
                if (e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String) { n = v.GetString(); break; }
            if (n is null) throw new NotSupportedException("A chained scheduler entry names no scheduler class.");
            list.Add(Build(n.Split('.')[^1], e.TryGetProperty("kwargs", out var k) ? k : default, optimizer));
        }
        return list;
    }

    private static Action BuildSequential(Optimizer optimizer, JsonElement kw)
    {
        var seq = new SequentialLR(optimizer, BuildList(optimizer, kw), [.. kw.GetProperty("milestones").EnumerateArray().Select(x => x.GetInt32())]);
        return seq.Step;
    }

    private static Action BuildChained(Optimizer optimizer, JsonElement kw)
    {
        var list = BuildList(optimizer, kw);
        return () => { foreach (var s in list) s.Step(); };
    }

    private static LRScheduler Build(string name, JsonElement kw, Optimizer optimizer)
    {
        double D(string key, double dflt) => kw.ValueKind == JsonValueKind.Object && kw.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : dflt;
        int I(string key, int dflt) => (int)D(key, dflt);
        return name switch
        {
            "StepLR" => new StepLR(optimizer, I("step_size", 1), D("gamma", 0.1)),
            "MultiStepLR" => new MultiStepLR(optimizer, kw.GetProperty("milestones").EnumerateArray().Select(x => x.GetInt32()), D("gamma", 0.1)),
            "ExponentialLR" => new ExponentialLR(optimizer, D("gamma", 0.1)),
            "CosineAnnealingLR" => new CosineAnnealingLR(optimizer, I("T_max", 1), D("eta_min", 0)),
            "LinearLR" => new LinearLR(optimizer, D("start_factor", 1.0 / 3), D("end_factor", 1.0), I("total_iters", 5)),
            "ConstantLR" => new ConstantLR(optimizer, D("factor", 1.0 / 3), I("total_iters", 5)),
            "PolynomialLR" => new PolynomialLR(optimizer, I("total_iters", 5), D("power", 1.0)),
            "CosineAnnealingWarmRestarts" => new CosineAnnealingWarmRestarts(optimizer, I("T_0", 1), I("T_mult", 1), D("eta_min", 0)),
            _ => throw new NotSupportedException($"Scheduler '{name}' is not implemented."),
        };
    }
}
