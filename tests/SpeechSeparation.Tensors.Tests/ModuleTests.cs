using SpeechSeparation.Tensors;
using TorchSharp.Modules;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Tensors.Tests;

public class ModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public Block()
        {
            Norm = RegisterModule("norm", torch.nn.LayerNorm(8));
            Lin = RegisterModule("lin", torch.nn.Linear(8, 8));
            Act = RegisterModule("act", new NN.PReLU(1));
        }
        public LayerNorm Norm { get; }
        public Linear Lin { get; }
        public NN.PReLU Act { get; }
        public override Tensor forward(Tensor x) => Act.forward(Lin.forward(Norm.forward(x)));
    }

    private sealed class Net : Module<Tensor, Tensor>
    {
        public override Tensor forward(Tensor x) => throw new NotSupportedException();
        public Net()
        {
            Encoder = RegisterModule("encoder", torch.nn.Conv1d(1, 8, 4, stride: 2));
            Blocks = RegisterModule("blocks", new ModuleList<Block>([new Block(), new Block()]));
            Bn = RegisterModule("bn", new NN.BatchNorm1d(8));
            Rnn = RegisterModule("rnn", torch.nn.LSTM(8, 4, numLayers: 2, bidirectional: true, batchFirst: true));
            Head = RegisterModule("head", torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2, hasBias: false)));
            RegisterBuffer("window", torch.ones(4), persistent: false);
        }
        public Conv1d Encoder { get; }
        public ModuleList<Block> Blocks { get; }
        public NN.BatchNorm1d Bn { get; }
        public LSTM Rnn { get; }
        public Sequential Head { get; }
    }

    // The keys and shapes torch.nn produces for the same structure (ModuleList/Sequential indices, LSTM's
    // weight_ih_l{k}[_reverse] names, BatchNorm's buffers, no entry for the parameter-free ReLU or the non-persistent buffer).
    private static readonly (string, long[])[] ExpectedKeys =
    [
        ("encoder.weight", [8, 1, 4]), ("encoder.bias", [8]),
        ("blocks.0.norm.weight", [8]), ("blocks.0.norm.bias", [8]), ("blocks.0.lin.weight", [8, 8]), ("blocks.0.lin.bias", [8]), ("blocks.0.act.weight", [1]),
        ("blocks.1.norm.weight", [8]), ("blocks.1.norm.bias", [8]), ("blocks.1.lin.weight", [8, 8]), ("blocks.1.lin.bias", [8]), ("blocks.1.act.weight", [1]),
        ("bn.weight", [8]), ("bn.bias", [8]), ("bn.running_mean", [8]), ("bn.running_var", [8]), ("bn.num_batches_tracked", []),
        ("rnn.weight_ih_l0", [16, 8]), ("rnn.weight_hh_l0", [16, 4]), ("rnn.bias_ih_l0", [16]), ("rnn.bias_hh_l0", [16]),
        ("rnn.weight_ih_l0_reverse", [16, 8]), ("rnn.weight_hh_l0_reverse", [16, 4]), ("rnn.bias_ih_l0_reverse", [16]), ("rnn.bias_hh_l0_reverse", [16]),
        ("rnn.weight_ih_l1", [16, 8]), ("rnn.weight_hh_l1", [16, 4]), ("rnn.bias_ih_l1", [16]), ("rnn.bias_hh_l1", [16]),
        ("rnn.weight_ih_l1_reverse", [16, 8]), ("rnn.weight_hh_l1_reverse", [16, 4]), ("rnn.bias_ih_l1_reverse", [16]), ("rnn.bias_hh_l1_reverse", [16]),
        ("head.0.weight", [8, 8]), ("head.0.bias", [8]), ("head.2.weight", [2, 8]),
    ];

    [Fact]
    public void StateDictKeysAndShapesEqualPyTorchs()
    {
        using var net = new Net();
        var sd = net.state_dict();
        Assert.Equal(ExpectedKeys.Select(k => k.Item1), sd.Keys);
        foreach (var (k, shape) in ExpectedKeys) Assert.Equal(shape, sd[k].shape);
        long expectedParams = ExpectedKeys.Where(k => !k.Item1.StartsWith("bn.running") && !k.Item1.EndsWith("num_batches_tracked"))
            .Sum(k => k.Item2.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(expectedParams, net.ParameterCount());
        Assert.Equal(ScalarType.Int64, sd["bn.num_batches_tracked"].dtype);
        Assert.Contains(net.named_buffers(), b => b.name == "window");
    }

    [Fact]
    public void StrictLoadListsMissingUnexpectedAndMisShapedKeys()
    {
        using var net = new Net();
        var sd = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.ToHost());
        sd.Remove("blocks.1.lin.bias");
        sd["blocks.9.extra"] = HostTensor.FromFloats([1f], 1);
        sd["head.2.weight"] = HostTensor.FromFloats(new float[24], 3, 8);
        var e = Assert.Throws<StateDictMismatchException>(() => net.LoadStateDict(sd));
        Assert.Contains("blocks.1.lin.bias", e.Message);
        Assert.Contains("blocks.9.extra", e.Message);
        Assert.Contains("head.2.weight", e.Message);
        Assert.Equal(["blocks.1.lin.bias"], e.Result.MissingKeys);
        Assert.Equal(["blocks.9.extra"], e.Result.UnexpectedKeys);
        Assert.Single(e.Result.MisShapedKeys);

        // Without the shape error, a non-strict load succeeds and reports what it skipped.
        sd["head.2.weight"] = net.Head.state_dict()["2.weight"].ToHost();
        var r = net.LoadStateDict(sd, strict: false);
        Assert.Equal(["blocks.1.lin.bias"], r.MissingKeys);
        Assert.Equal(["blocks.9.extra"], r.UnexpectedKeys);
    }

    [Fact]
    public void LoadStateDictCopiesValuesIntoTheLiveParameters()
    {
        using var a = new Net();
        using var b = new Net();
        var before = b.Encoder.weight;
        b.LoadStateDict(a.StateDictToHost());
        Assert.Same(before, b.Encoder.weight);
        foreach (var (k, t) in a.state_dict()) Assert.Equal(t.ToDoubleArray(), b.state_dict()[k].ToDoubleArray());
    }

    [Fact]
    public void TrainEvalPropagatesAndDropoutFollowsIt()
    {
        using var scope = torch.NewDisposeScope();
        using var net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5));
        Assert.True(((torch.nn.Module)net[1]).training);
        net.eval();
        Assert.False(((torch.nn.Module)net[1]).training);
        var x = torch.ones(2, 4);
        Assert.Equal(net.call(x).ToFloatArray(), net[0].call(x).ToFloatArray());
        net.train();
        var y = ((Dropout)net[1]).forward(torch.ones(1000)).ToFloatArray();
        Assert.All(y, v => Assert.True(v == 0 || v == 2));               // kept values scaled by 1/(1-p)
        Assert.InRange(y.Count(v => v == 0), 400, 600);
    }

    [Fact]
    public void DefaultInitialisationFollowsPyTorch()
    {
        torch.manual_seed(0);
        using var lin = torch.nn.Linear(400, 300);
        var w = lin.weight.ToDoubleArray();
        double bound = 1 / Math.Sqrt(400);
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        double std = Math.Sqrt(w.Select(v => v * v).Average());
        Assert.Equal(bound / Math.Sqrt(3), std, 3);                      // std of U(-b, b) is b/√3
        using var bn = new NN.BatchNorm1d(3);
        Assert.Equal(new double[] { 1, 1, 1 }, bn.Weight.ToDoubleArray());
        Assert.Equal(new double[] { 0, 0, 0 }, bn.Bias.ToDoubleArray());
        Assert.Equal(new double[] { 0, 0, 0 }, bn.RunningMean.ToDoubleArray());
        Assert.Equal(new double[] { 1, 1, 1 }, bn.RunningVar.ToDoubleArray());
        Assert.Equal(torch.ScalarType.Int64, bn.NumBatchesTracked.dtype);
        using var pr = new NN.PReLU(2);
        Assert.Equal(new double[] { 0.25, 0.25 }, pr.Weight.ToDoubleArray());
        using var lstm = torch.nn.LSTM(5, 10);
        Assert.All(lstm.state_dict()["weight_hh_l0"].ToDoubleArray(), v => Assert.InRange(v, -1 / Math.Sqrt(10), 1 / Math.Sqrt(10)));
    }

    [Fact]
    public void ToConvertsDtypeKeepingParameterIdentity()
    {
        using var net = new Net();
        var w = net.Encoder.weight;
        var values = w.ToDoubleArray();
        net.to(ScalarType.Float64);
        Assert.Same(w, net.Encoder.weight);
        Assert.Equal(ScalarType.Float64, w.dtype);
        Assert.True(w.requires_grad);
        Assert.Equal(values, w.ToDoubleArray());
        Assert.Equal(ScalarType.Int64, net.Bn.NumBatchesTracked.dtype); // integer buffers keep their dtype
    }

    private sealed class WithTable : Module<Tensor, Tensor>
    {
        public WithTable()
        {
            Lin = RegisterModule("lin", torch.nn.Linear(4, 4));
            Table = RegisterBuffer("table", torch.tensor([1.0f / 3, 1.0f / 7, 1.0f / 11, 1.0f / 13]));
            KeepDtype("table");
            Index = RegisterBuffer("index", torch.tensor([300L, 301L, 302L, 303L]));
        }
        public Linear Lin { get; }
        public Tensor Table { get; }
        public Tensor Index { get; }
        public override Tensor forward(Tensor x) => Lin.forward(x * Table.to(x.dtype));
    }

    [Fact]
    public void ToBFloat16RoundsFloatingTensorsAndLeavesIntegersAndKeptTablesAlone()
    {
        using var scope = torch.NewDisposeScope();
        using var net = new WithTable();
        var w = net.Lin.weight;
        var before = w.ToFloatArray();
        net.to(ScalarType.BFloat16);
        Assert.Same(w, net.Lin.weight);
        Assert.Equal(ScalarType.BFloat16, w.dtype);
        Assert.Equal(ScalarType.BFloat16, net.Lin.bias!.dtype);
        Assert.Equal(ScalarType.Float32, net.Table.dtype);                      // KeepDtype
        Assert.Equal(ScalarType.Int64, net.Index.dtype);
        Assert.Equal([300L, 301L, 302L, 303L], net.Index.ToInt64Array());
        Assert.Equal(1.0f / 7, net.Table.ToFloatArray()[1]);                      // not rounded through bfloat16
        // Each weight is rounded to 8 significant bits: relative error at most 2^-8.
        var after = w.ToFloatArray();
        for (int i = 0; i < before.Length; i++)
            Assert.True(Math.Abs(after[i] - before[i]) <= Math.Abs(before[i]) / 256, $"weight {i}: {before[i]} → {after[i]}");
        Assert.Contains(after.Zip(before), p => p.First != p.Second);
        // The module runs on bfloat16 input and gives bfloat16 output close to the float32 computation.
        var x = torch.tensor([0.5f, -1f, 2f, 0.25f], [1, 4]);
        var y = net.forward(x.to(ScalarType.BFloat16));
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        net.to(ScalarType.Float32);
        var reference = net.forward(x).ToFloatArray();
        var got = y.ToFloatArray();
        for (int i = 0; i < got.Length; i++)                                     // a few bfloat16 roundings of values ≲ 2
            Assert.True(Math.Abs(got[i] - reference[i]) <= 0.02, $"output {i}: {got[i]} vs {reference[i]}");
        Assert.Throws<ArgumentException>(() => net.to(ScalarType.Int32));
    }

    [Fact]
    public void BFloat16TransposedConvolutionsGiveTheRoundedFloat32Result()
    {
        // libtorch 1.13 cannot run them natively on the CPU; the functional layer computes them in float32.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var x1 = torch.randn(2, 4, 9).to(ScalarType.BFloat16);
        var w1 = torch.randn(4, 1, 6).to(ScalarType.BFloat16);
        var b1 = torch.randn(1).to(ScalarType.BFloat16);
        var y1 = torch.nn.functional.conv_transpose1d(x1, w1, b1, stride: 3);
        Assert.Equal(ScalarType.BFloat16, y1.dtype);
        Assert.Equal([2L, 1, 30], y1.shape);
        var r1 = torch.nn.functional.conv_transpose1d(x1.@float(), w1.@float(), b1.@float(), stride: 3).to(ScalarType.BFloat16);
        Assert.Equal(r1.ToFloatArray(), y1.ToFloatArray());
        var x2 = torch.randn(1, 3, 5, 4).to(ScalarType.BFloat16);
        var w2 = torch.randn(3, 2, 3, 2).to(ScalarType.BFloat16);
        var y2 = torch.nn.functional.conv_transpose2d(x2, w2, null, [2, 1], [1, 0]);
        Assert.Equal([1L, 2, 9, 5], y2.shape);
        var r2 = torch.nn.functional.conv_transpose2d(x2.@float(), w2.@float(), null, [2, 1], [1, 0]).to(ScalarType.BFloat16);
        Assert.Equal(r2.ToFloatArray(), y2.ToFloatArray());
    }

    [Fact]
    public void LstmMatchesTheGateEquations()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        using var lstm = torch.nn.LSTM(3, 2, batchFirst: true);
        var x = torch.randn(1, 5, 3);
        var (y, hN, cN) = lstm.forward(x);
        var sd = lstm.state_dict();
        var wih = sd["weight_ih_l0"]; var whh = sd["weight_hh_l0"]; var b = sd["bias_ih_l0"].Add(sd["bias_hh_l0"]);
        var h = torch.zeros(1, 2); var c = torch.zeros(1, 2);
        var expected = new List<float>();
        for (int t = 0; t < 5; t++)
        {
            var g = x.select(1, t).matmul(wih.transpose(0, 1)).Add(h.matmul(whh.transpose(0, 1))).Add(b); // [1, 8] = i f g o
            var gates = g.chunk(4, 1);
            var i = gates[0].sigmoid(); var f = gates[1].sigmoid(); var gg = gates[2].tanh(); var o = gates[3].sigmoid();
            c = (f * c).Add(i * gg);
            h = o * c.tanh();
            expected.AddRange(h.ToFloatArray());
        }
        var got = y.ToFloatArray();
        for (int k = 0; k < got.Length; k++) Assert.Equal(expected[k], got[k], 5);
        Assert.Equal(c.ToFloatArray().Select(v => Math.Round(v, 5)), cN.ToFloatArray().Select(v => Math.Round(v, 5)));
    }

    [Fact]
    public void BatchNormUpdatesRunningStatisticsInTraining()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = new NN.BatchNorm1d(2, momentum: 0.5);
        var x = torch.tensor(new float[] { 1, 10, 3, 30 }, [2, 2]);   // channel means 2 and 20, unbiased vars 2 and 200
        var train = bn.forward(x).ToFloatArray();                        // batch statistics (biased variance 1 and 100)
        Assert.Equal((1 - 2) / Math.Sqrt(1 + 1e-5), train[0], 1e-6);
        Assert.Equal((30 - 20) / Math.Sqrt(100 + 1e-5), train[3], 1e-6);
        Assert.Equal(new float[] { 1, 10 }, bn.RunningMean.ToFloatArray());          // 0.5·0 + 0.5·mean
        Assert.Equal(new float[] { 1.5f, 100.5f }, bn.RunningVar.ToFloatArray());    // 0.5·1 + 0.5·var
        bn.forward(x);
        Assert.Equal(2, bn.NumBatchesTracked.ToInt64());
        bn.eval();
        var y = bn.forward(x).ToFloatArray();
        Assert.Equal((1 - 1.5) / Math.Sqrt(1.75 + 1e-5), y[0], 1e-6);     // running mean 1.5, var 0.5·1.5 + 0.5·2 = 1.75
        Assert.Equal(2, bn.NumBatchesTracked.ToInt64());                 // eval does not count
        var error = Assert.Throws<ArgumentException>(() => bn.forward(torch.zeros(1, 2, 3, 4)));
        Assert.Contains("2 or 3-D", error.Message);
    }

    [Fact]
    public void PReLUScalesNegativeInputsByItsChannelSlope()
    {
        using var scope = torch.NewDisposeScope();
        using var pr = new NN.PReLU(2, init: 0.1);
        pr.Weight.detach().copy_(torch.tensor(new float[] { 0.1f, 0.5f }));
        var x = torch.tensor(new float[] { -2, 3, -4, 5 }, [1, 2, 2]);   // channel 0: −2, 3; channel 1: −4, 5
        Assert.Equal(new float[] { -0.2f, 3, -2, 5 }, pr.forward(x).ToFloatArray());
        Assert.Equal(["weight"], pr.state_dict().Keys);
    }
}
