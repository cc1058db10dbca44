using System.Globalization;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Training.Tests;

public sealed class OptimizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ss-optim-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static HostTensor Npy(string folder, FormattableString file) =>
        Serialization.Npy.Read(Path.Combine(TestPaths.Fixture("optim", folder), file.ToString(CultureInfo.InvariantCulture)));

    private static List<Parameter> Params(string folder, Func<int, FormattableString> file) =>
        [.. Enumerable.Range(0, 3).Select(i => new Parameter(HostTensors.ToTensor(Npy(folder, file(i))).DetachFromDisposeScope()))];

    private static void SetGrads(string folder, List<Parameter> ps, int step)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            using var g = HostTensors.ToTensor(Npy(folder, $"grad_step{step}_param{i}.npy")).DetachFromDisposeScope();
            ps[i].grad = g;
        }
    }

    [Theory]
    [InlineData("adam-wd-amsgrad")]
    [InlineData("adamw")]
    [InlineData("sgd-momentum-nesterov")]
    public void ResumingFromASavedStateDictContinuesBitForBit(string folder)
    {
        Optimizer Make(List<Parameter> ps) => folder switch
        {
            "adam-wd-amsgrad" => new Adam(ps, lr: 0.005, betas: (0.8, 0.99), eps: 1e-6, weightDecay: 0.1, amsgrad: true),
            "adamw" => new AdamW(ps, lr: 0.01, weightDecay: 0.05),
            _ => new SGD(ps, lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.001),
        };
        var ps = Params(folder, i => $"param{i}_init.npy");
        var path = Path.Combine(_dir, "opt.pt");
        using (var opt = Make(ps))
        {
            for (int t = 0; t < 4; t++)
            {
                SetGrads(folder, ps, t);
                opt.Step();
            }
            TorchCheckpoint.Save(path, new Dictionary<string, object?> { ["optimizer"] = opt.StateDict() });
        }
        foreach (var p in ps) p.Dispose();

        // A new process would start here: parameters from the checkpointed model, a fresh optimiser, its state loaded.
        var resumed = Params(folder, i => $"param{i}_after_step3.npy");
        using var opt2 = Make(resumed);
        var loaded = (IReadOnlyDictionary<string, object?>)TorchCheckpoint.Load(path)!;
        opt2.LoadStateDict((IReadOnlyDictionary<string, object?>)loaded["optimizer"]!);
        for (int t = 4; t < 8; t++)
        {
            SetGrads(folder, resumed, t);
            opt2.Step();
        }
        for (int i = 0; i < 3; i++)
            Assert.Equal(Npy(folder, $"param{i}_after_step7.npy").ToDoubleArray(), resumed[i].ToDoubleArray());
        foreach (var p in resumed) p.Dispose();
    }

    [Fact]
    public void StateDictHasPyTorchsLayout()
    {
        using var p = new Parameter(torch.ones([3], ScalarType.Float64).DetachFromDisposeScope());
        using var q = new Parameter(torch.ones([2], ScalarType.Float64).DetachFromDisposeScope());
        using var opt = new Adam([new ParamGroup([p]), new ParamGroup([q], new() { ["lr"] = 0.5, ["weight_decay"] = 0.0 })], lr: 0.1, weightDecay: 0.01);
        using (var g = torch.ones([3], ScalarType.Float64).DetachFromDisposeScope()) p.grad = g;
        opt.Step();
        var sd = opt.StateDict();
        var state = (PythonDict)sd["state"]!;
        Assert.Single(state);                                  // q had no gradient: no state
        var s0 = (IReadOnlyDictionary<string, object?>)state["0"]!;
        Assert.Equal(["step", "exp_avg", "exp_avg_sq"], s0.Keys);
        var step = (HostTensor)s0["step"]!;
        Assert.Equal(SpeechSeparation.Serialization.ScalarType.Float32, step.DType);
        Assert.Empty(step.Shape);
        Assert.Equal(1.0, step.ToDoubleArray()[0]);
        var groups = (List<object?>)sd["param_groups"]!;
        var g1 = (Dictionary<string, object?>)groups[1]!;
        Assert.Equal(0.5, g1["lr"]);
        Assert.Equal(new List<object?> { 1L }, g1["params"]);
        Assert.IsType<PythonTuple>(g1["betas"]);
        Assert.Equal("params", g1.Keys.Last());
    }

    [Fact]
    public void LoadsAnOptimizerEntryWrittenByPyTorch()
    {
        // checkpoint-formats/wrapped_model.pt: {'optimizer': {'state': {}, 'param_groups': [{'lr': 0.001, 'betas': (0.9, 0.999), 'params': [0, 1]}]}}
        var root = (IReadOnlyDictionary<string, object?>)TorchCheckpoint.Load(TestPaths.Fixture("checkpoint-formats", "wrapped_model.pt"))!;
        using var a = new Parameter(torch.zeros([2], ScalarType.Float64).DetachFromDisposeScope());
        using var b = new Parameter(torch.zeros([3], ScalarType.Float64).DetachFromDisposeScope());
        using var opt = new Adam([a, b], lr: 0.5, betas: (0.5, 0.5), eps: 1e-3);
        opt.LoadStateDict((IReadOnlyDictionary<string, object?>)root["optimizer"]!);
        Assert.Equal(0.001, opt.ParamGroups[0].Lr);
        Assert.Equal((0.9, 0.999), opt.ParamGroups[0].GetPair("betas"));
        Assert.Equal(1e-3, opt.ParamGroups[0].GetDouble("eps"));        // not in the file: the optimiser's default
        using (var g = torch.ones([2], ScalarType.Float64).DetachFromDisposeScope()) a.grad = g;
        opt.Step();
        Assert.Equal(-0.001 / (1 + 1e-3), a.ToDoubleArray()[0], 12);      // first Adam step: lr·g/(|g| + eps)
        using var c = new Parameter(torch.zeros([1]).DetachFromDisposeScope());
        using var wrong = new Adam([c]);
        Assert.Throws<InvalidDataException>(() => wrong.LoadStateDict((IReadOnlyDictionary<string, object?>)root["optimizer"]!));
    }

    [Fact]
    public void ParamGroupsAreValidated()
    {
        using var p = new Parameter(torch.ones([3]).DetachFromDisposeScope());
        Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([p])], lr: null));
        Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([p]), new ParamGroup([p])], lr: 0.1));
        Assert.Throws<ArgumentException>(() => new SGD([p], lr: 0.1, momentum: 0, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], lr: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], betas: (1.0, 0.9)));
        using var sgd = new SGD([new ParamGroup([p], new() { ["lr"] = 0.2 })], lr: null);
        Assert.Equal(0.2, sgd.ParamGroups[0].Lr);
    }

    [Fact]
    public void ZeroGradZeroesInPlaceOrDropsTheGradient()
    {
        using var p = new Parameter(torch.ones([3], ScalarType.Float64).DetachFromDisposeScope());
        using var opt = new SGD([p], lr: 0.5);
        using (var scope = torch.NewDisposeScope()) p.Mul(2).sum().backward();
        opt.ZeroGrad();
        Assert.Equal([0.0, 0, 0], p.grad!.ToDoubleArray());
        opt.ZeroGrad(setToNone: true);
        Assert.Null(p.grad);
        opt.Step();                                              // no gradient: nothing changes
        Assert.Equal([1.0, 1, 1], p.ToDoubleArray());
    }

    [Fact]
    public void GlobalNormClippingReturnsThePreClipNorm()
    {
        using var a = new Parameter(torch.zeros([2], ScalarType.Float64).DetachFromDisposeScope());
        using var b = new Parameter(torch.zeros([1], ScalarType.Float64).DetachFromDisposeScope());
        using (var g = torch.tensor([3.0, 0.0]).DetachFromDisposeScope()) a.grad = g;
        using (var g = torch.tensor([-4.0]).DetachFromDisposeScope()) b.grad = g;
        Assert.Equal(5.0, GradientClipping.ClipGradNorm([a, b], 1.0));
        Assert.Equal(3.0 / (5 + 1e-6), a.grad!.ToDoubleArray()[0], 12);
        Assert.Equal(4.0 / (5 + 1e-6), -b.grad!.ToDoubleArray()[0], 12);
        Assert.Equal(4.0 / (5 + 1e-6), GradientClipping.ClipGradNorm([a, b], 10.0, double.PositiveInfinity), 12);
        GradientClipping.ClipGradValue([a, b], 0.1);
        Assert.Equal([0.1, 0.0], a.grad!.ToDoubleArray());
        Assert.Equal(0.0, GradientClipping.ClipGradNorm([], 1.0));
    }

    private static (Parameter, SGD) LrOnly(double lr = 1.0)
    {
        var p = new Parameter(torch.zeros([1]).DetachFromDisposeScope());
        return (p, new SGD([p], lr));
    }

    [Fact]
    public void RecursiveSchedulesAgreeWithTheirClosedForms()
    {
        var cases = new List<(Func<Optimizer, LRScheduler> make, Func<int, double> closed)>
        {
            (o => new StepLR(o, 3, 0.5), e => Math.Pow(0.5, e / 3)),
            (o => new MultiStepLR(o, [2, 5, 5], 0.1), e => Math.Pow(0.1, (e >= 2 ? 1 : 0) + (e >= 5 ? 2 : 0))),
            (o => new ExponentialLR(o, 0.9), e => Math.Pow(0.9, e)),
            (o => new CosineAnnealingLR(o, 10, 0.01), e => 0.01 + 0.99 * (1 + Math.Cos(Math.PI * e / 10)) / 2),
            (o => new LinearLR(o, 0.1, 1.0, 4), e => 0.1 + 0.9 * Math.Min(e, 4) / 4),
            (o => new ConstantLR(o, 0.25, 3), e => e < 3 ? 0.25 : 1.0),
            (o => new LambdaLR(o, e => 1.0 / (e + 1)), e => 1.0 / (e + 1)),
            (o => new PolynomialLR(o, 10, 2.0), e => Math.Pow(1 - Math.Min(e, 10) / 10.0, 2)),
            (o => new CosineAnnealingWarmRestarts(o, 3, 2, 0.1), e =>
            {
                // cycles of 3, 6, 12 epochs starting at 0, 3, 9, 21
                int start = e < 3 ? 0 : e < 9 ? 3 : e < 21 ? 9 : 21, len = e < 3 ? 3 : e < 9 ? 6 : e < 21 ? 12 : 24;
                return 0.1 + 0.9 * (1 + Math.Cos(Math.PI * (e - start) / len)) / 2;
            }),
        };
        foreach (var (make, closed) in cases)
        {
            var (p, opt) = LrOnly();
            var s = make(opt);
            Assert.Equal(closed(0), opt.ParamGroups[0].Lr, 12);
            for (int e = 1; e <= 25; e++)
            {
                s.Step();
                Assert.Equal(closed(e), opt.ParamGroups[0].Lr, 12);
                Assert.Equal(e, s.LastEpoch);
                if (s is CosineAnnealingWarmRestarts w)
                {
                    // The epoch form lands on the same cycle position.
                    var (p2, o2) = LrOnly();
                    var w2 = new CosineAnnealingWarmRestarts(o2, 3, 2, 0.1);
                    w2.Step(e);
                    Assert.Equal(w.TCur, w2.TCur);
                    Assert.Equal(w.Ti, w2.Ti);
                    o2.Dispose();
                    p2.Dispose();
                }
            }
            opt.Dispose();
            p.Dispose();
        }
    }

    [Fact]
    public void SequentialLRWarmsUpThenAnneals()
    {
        double[] Run(int steps, int? saveAt, IReadOnlyDictionary<string, object?>? resumeFrom, out IReadOnlyDictionary<string, object?>? saved)
        {
            var (p, opt) = LrOnly(1.0);
            var warm = new LinearLR(opt, 0.1, 1.0, 3);
            var cos = new CosineAnnealingLR(opt, 5, 0.0);
            var seq = new SequentialLR(opt, [warm, cos], [3]);
            saved = null;
            var lrs = new List<double> { opt.ParamGroups[0].Lr };
            if (resumeFrom is not null)
            {
                opt.LoadStateDict((IReadOnlyDictionary<string, object?>)resumeFrom["opt"]!);
                seq.LoadStateDict((IReadOnlyDictionary<string, object?>)resumeFrom["seq"]!);
                lrs.Clear();
            }
            while (seq.LastEpoch < steps)
            {
                seq.Step();
                lrs.Add(opt.ParamGroups[0].Lr);
                if (seq.LastEpoch == saveAt) saved = new Dictionary<string, object?> { ["opt"] = opt.StateDict(), ["seq"] = seq.StateDict() };
            }
            opt.Dispose();
            p.Dispose();
            return [.. lrs];
        }
        var lrs = Run(8, 5, null, out var state);
        Assert.Equal(0.1, lrs[0], 15);
        Assert.Equal(0.4, lrs[1], 15);
        Assert.Equal(0.7, lrs[2], 15);
        for (int e = 3; e <= 8; e++) Assert.Equal((1 + Math.Cos(Math.PI * (e - 3) / 5)) / 2, lrs[e], 12);
        var path = Path.Combine(_dir, "seq.pt");
        TorchCheckpoint.Save(path, state!);
        var resumed = Run(8, null, (IReadOnlyDictionary<string, object?>)TorchCheckpoint.Load(path)!, out _);
        Assert.Equal(lrs[6..], resumed);
    }

    [Fact]
    public void SchedulerStateRoundTripsThroughACheckpoint()
    {
        var path = Path.Combine(_dir, "sched.pt");
        var (p, opt) = LrOnly(1e-3);
        var cos = new CosineAnnealingLR(opt, 8, 1e-5);
        var plateau = new ReduceLROnPlateau(opt, PlateauMode.Max, factor: 0.5, patience: 1);
        var metrics = new[] { 1.0, 2, 1.5, 1.4, 3, 2, 2, 2, 1, 1 };
        var expected = new List<double>();
        for (int e = 0; e < 10; e++)
        {
            cos.Step();
            plateau.Step(metrics[e]);
            expected.Add(opt.ParamGroups[0].Lr);
            if (e == 4)
                TorchCheckpoint.Save(path, new Dictionary<string, object?>
                {
                    ["optimizer"] = opt.StateDict(), ["cosine"] = cos.StateDict(), ["plateau"] = plateau.StateDict(),
                });
        }
        var (p2, opt2) = LrOnly(1e-3);
        var cos2 = new CosineAnnealingLR(opt2, 1);
        var plateau2 = new ReduceLROnPlateau(opt2);
        var ck = (IReadOnlyDictionary<string, object?>)TorchCheckpoint.Load(path)!;
        opt2.LoadStateDict((IReadOnlyDictionary<string, object?>)ck["optimizer"]!);
        cos2.LoadStateDict((IReadOnlyDictionary<string, object?>)ck["cosine"]!);
        plateau2.LoadStateDict((IReadOnlyDictionary<string, object?>)ck["plateau"]!);
        Assert.Equal(expected[4], opt2.ParamGroups[0].Lr);
        for (int e = 5; e < 10; e++)
        {
            cos2.Step();
            plateau2.Step(metrics[e]);
            Assert.Equal(expected[e], opt2.ParamGroups[0].Lr);
        }
        Assert.Equal(PlateauMode.Max, plateau2.Mode);
        Assert.Equal(8, cos2.TMax);
        opt.Dispose(); p.Dispose(); opt2.Dispose(); p2.Dispose();
    }

    [Fact]
    public void ReduceLROnPlateauHonoursCooldownAndMinimum()
    {
        var (p, opt) = LrOnly(1.0);
        var s = new ReduceLROnPlateau(opt, factor: 0.5, patience: 0, cooldown: 1, minLr: 0.3, thresholdMode: ThresholdMode.Abs, threshold: 0.1);
        var lrs = new List<double>();
        foreach (var m in new[] { 1.0, 0.95, 0.95, 0.95, 0.95, 0.95 })
        {
            s.Step(m);
            lrs.Add(opt.ParamGroups[0].Lr);
        }
        // 0.95 is not better than 1.0 - 0.1: reduce, then one cooldown epoch, then reduce to the 0.3 floor.
        Assert.Equal([1.0, 0.5, 0.5, 0.3, 0.3, 0.3], lrs);
        opt.Dispose();
        p.Dispose();
    }
}
