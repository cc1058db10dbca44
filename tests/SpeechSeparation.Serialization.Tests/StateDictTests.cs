namespace SpeechSeparation.Serialization.Tests;

/// <summary>Finding the state dict inside wrappers, prefixes, pickled modules.</summary>
public class StateDictTests
{
    private static HostTensor T(params float[] v) => HostTensor.FromFloats(v, v.Length);

    private static PythonDict Dict(bool ordered, params (object? Key, object? Value)[] items)
    {
        var d = new PythonDict(ordered);
        foreach (var (k, v) in items) d.Set(k, v);
        return d;
    }

    private static object? RoundTrip(IReadOnlyDictionary<string, object?> checkpoint)
    {
        var ms = new MemoryStream();
        TorchCheckpoint.Save(ms, checkpoint);
        ms.Position = 0;
        return TorchCheckpoint.Load(ms);
    }

    [Fact]
    public void ShallowestTensorDictWinsOverOptimizerState()
    {
        // {'epoch': 3, 'optimizer': {'state': {0: {'exp_avg': t}}}, 'net': {'w': t}} -> 'net'
        var root = Dict(false,
            ("epoch", 3L),
            ("optimizer", Dict(false, ("state", Dict(false, (0L, Dict(false, ("exp_avg", T(1)))))))),
            ("net", Dict(true, ("w", T(1, 2)), ("b", T(3)))));
        Assert.Equal(["w", "b"], StateDict.Extract(RoundTrip(root)).Keys);
    }

    [Fact]
    public void SeveralCandidatesNeedASubKeyUnlessOneIsTheModel()
    {
        var ambiguous = Dict(false, ("generator", Dict(false, ("g", T(1)))), ("discriminator", Dict(false, ("d", T(2)))));
        var e = Assert.Throws<InvalidDataException>(() => StateDict.Extract(ambiguous));
        Assert.Contains("generator", e.Message);
        Assert.Contains("discriminator", e.Message);
        Assert.Equal(["d"], StateDict.Extract(ambiguous, "discriminator").Keys);

        var withModel = Dict(false, ("ema", Dict(false, ("e", T(1)))), ("model", Dict(false, ("m", T(2)))));
        Assert.Equal(["m"], StateDict.Extract(withModel).Keys);
        Assert.Equal(["e"], StateDict.Extract(withModel, "ema").Keys);
    }

    [Fact]
    public void NestedSubKeyPathAndErrors()
    {
        var root = Dict(false, ("a", Dict(false, ("b", Dict(false, ("x", T(1)))), ("n", 1L))));
        Assert.Equal(["x"], StateDict.Extract(root, "a/b").Keys);
        Assert.Contains("no entry 'zz'", Assert.Throws<InvalidDataException>(() => StateDict.Extract(root, "zz")).Message);
        Assert.Contains("not a dict of tensors", Assert.Throws<InvalidDataException>(() => StateDict.Extract(root, "a")).Message);
        Assert.Contains("no state dict", Assert.Throws<InvalidDataException>(() => StateDict.Extract(Dict(false, ("epoch", 1L)))).Message);
    }

    [Fact]
    public void DataParallelPrefixOnlyStrippedWhenEveryKeyHasIt()
    {
        var all = Dict(true, ("module.a", T(1)), ("module.b.c", T(2)));
        Assert.Equal(["a", "b.c"], StateDict.Extract(all).Keys);
        Assert.Equal(["module.a", "module.b.c"], StateDict.Extract(all, stripDataParallelPrefix: false).Keys);
        var mixed = Dict(true, ("module.a", T(1)), ("b", T(2)));
        Assert.Equal(["module.a", "b"], StateDict.Extract(mixed).Keys);
        var sd = StateDict.AddPrefix(StateDict.Extract(all), "mask_net.");
        Assert.Equal(["mask_net.a", "mask_net.b.c"], sd.Keys);
        Assert.Equal(["a", "b.c"], StateDict.StripPrefix(sd, "mask_net.").Keys);
        Assert.Equal(2, StateDict.TotalElements(sd));
    }

    [Fact]
    public void PickledModuleIsFlattenedLikeStateDict()
    {
        // torch.save(model) pickles the nn.Module object: parameters, persistent buffers, then children, recursively.
        static PythonObject Module(string cls, PythonDict parameters, PythonDict buffers, PythonDict modules, params string[] nonPersistent) =>
            new("torch.nn.modules." + cls.ToLowerInvariant(), cls, [], Dict(false,
                ("training", false),
                ("_parameters", parameters),
                ("_buffers", buffers),
                ("_non_persistent_buffers_set", new PythonSet(nonPersistent)),
                ("_modules", modules)));
        var norm = Module("BatchNorm1d", Dict(true, ("weight", T(1, 1)), ("bias", T(0, 0))),
            Dict(true, ("running_mean", T(0, 0)), ("scratch", T(9))), Dict(true), "scratch");
        var lin = Module("Linear", Dict(true, ("weight", T(1, 2, 3, 4)), ("bias", null)), Dict(true), Dict(true));
        var model = Module("Sequential", Dict(true), Dict(true), Dict(true, ("0", lin), ("1", norm), ("2", null)));
        var loaded = RoundTrip(new Dictionary<string, object?> { ["net"] = model });
        var sd = StateDict.Extract(loaded);
        Assert.Equal(["0.weight", "1.weight", "1.bias", "1.running_mean"], sd.Keys);
        Assert.Equal([1f, 2f, 3f, 4f], sd["0.weight"].ToFloatArray());
    }
}
