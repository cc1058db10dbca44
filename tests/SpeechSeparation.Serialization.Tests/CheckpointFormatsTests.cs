using System.Text.Json;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Serialization.Tests;

/// <summary>The six real torch.save files of tests/fixtures/checkpoint-formats against their .npy dumps.</summary>
public class CheckpointFormatsTests
{
    private static readonly string Dir = TestPaths.Fixture("checkpoint-formats");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "config.json")));
        foreach (var f in doc.RootElement.GetProperty("files").EnumerateObject()) data.Add(f.Name);
        return data;
    }

    private static List<(string Key, string File, string DType, long[] Shape)> Expected()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "config.json")));
        return doc.RootElement.GetProperty("tensors").EnumerateArray().Select(t => (
            t.GetProperty("key").GetString()!,
            t.GetProperty("file").GetString()!,
            t.GetProperty("dtype").GetString()!,
            t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryTensorLoadsValueExact(string file)
    {
        var sd = StateDict.Load(Path.Combine(Dir, file));
        var expected = Expected();
        Assert.Equal(expected.Select(e => e.Key), sd.Keys);
        foreach (var (key, npyFile, dtype, shape) in expected)
        {
            var got = sd[key];
            var want = Npy.Read(Path.Combine(Dir, npyFile));
            Assert.Equal(ScalarTypeInfo.Parse(dtype), got.DType);
            Assert.Equal(shape, got.Shape);
            Assert.Equal(want.Shape, got.Shape);
            if (want.DType == got.DType) Assert.Equal(want.Data, got.Data);
            else Assert.Equal(want.ToDoubleArray(), got.ToDoubleArray()); // bf16 is dumped as float32: widening is exact
        }
    }

    [Fact]
    public void LegacyAndZipFormatsGiveIdenticalTensors()
    {
        var zip = StateDict.Load(Path.Combine(Dir, "plain_state_dict.pt"));
        var legacy = StateDict.Load(Path.Combine(Dir, "legacy_format.pt"));
        Assert.Equal(zip.Keys, legacy.Keys);
        foreach (var k in zip.Keys)
        {
            Assert.Equal(zip[k].DType, legacy[k].DType);
            Assert.Equal(zip[k].Shape, legacy[k].Shape);
            Assert.Equal(zip[k].Data, legacy[k].Data);
        }
    }

    [Fact]
    public void PlainFileIsAnOrderedDictOfTensors()
    {
        var root = Assert.IsType<PythonDict>(TorchCheckpoint.Load(Path.Combine(Dir, "plain_state_dict.pt")));
        Assert.True(root.IsOrdered);
        Assert.All(root.Values, v => Assert.IsType<HostTensor>(v));
        Assert.Equal(Expected().Count, root.Count);
    }

    [Fact]
    public void WrappedStateDictKeepsTrainingEntries()
    {
        var root = Assert.IsType<PythonDict>(TorchCheckpoint.Load(Path.Combine(Dir, "wrapped_state_dict.pt")));
        Assert.Equal(["state_dict", "epoch", "best_loss", "note"], root.Keys);
        Assert.IsType<long>(root["epoch"]);
        Assert.IsType<double>(root["best_loss"]);
        Assert.IsType<string>(root["note"]);
        Assert.IsType<PythonDict>(root["state_dict"]);
    }

    [Fact]
    public void WrappedModelFindsModelBesideOptimizer()
    {
        var root = Assert.IsType<PythonDict>(TorchCheckpoint.Load(Path.Combine(Dir, "wrapped_model.pt")));
        var opt = Assert.IsType<PythonDict>(root["optimizer"]);
        var groups = Assert.IsType<List<object?>>(opt["param_groups"]);
        var g0 = Assert.IsType<PythonDict>(Assert.Single(groups));
        // Values as pickletools shows them in the file: lr 0.001, betas (0.9, 0.999), params [0, 1]; step 1000.
        Assert.Equal(0.001, g0["lr"]);
        Assert.Equal(new object?[] { 0.9, 0.999 }, Assert.IsType<PythonTuple>(g0["betas"]));
        Assert.Equal(new object?[] { 0L, 1L }, Assert.IsType<List<object?>>(g0["params"]));
        Assert.Equal(1000L, root["step"]);
        var sd = StateDict.Extract(root);
        Assert.Equal(Expected().Count, sd.Count);
    }

    [Fact]
    public void ForeignObjectBecomesAnInertPlaceholder()
    {
        var root = Assert.IsType<PythonDict>(TorchCheckpoint.Load(Path.Combine(Dir, "foreign_object.pt")));
        var args = Assert.IsType<PythonObject>(root["args"]);
        Assert.Equal("argparse", args.Module);
        Assert.Equal("Namespace", args.Name);
        Assert.NotNull(args.Attributes);
        Assert.Equal(0.001, args.Attributes!["lr"]);
        Assert.Equal(8000L, args.Attributes["sr"]);
        Assert.Equal(Expected().Count, StateDict.Extract(root).Count);
    }

    [Fact]
    public void DataParallelPrefixIsStrippedOnlyWhenAsked()
    {
        var path = Path.Combine(Dir, "dataparallel_prefix.pt");
        var raw = StateDict.Load(path, stripDataParallelPrefix: false);
        Assert.All(raw.Keys, k => Assert.StartsWith("module.", k));
        var stripped = StateDict.Load(path);
        Assert.Equal(raw.Keys.Select(k => k["module.".Length..]), stripped.Keys);
        Assert.Equal(Expected().Select(e => e.Key), stripped.Keys);
    }
}
