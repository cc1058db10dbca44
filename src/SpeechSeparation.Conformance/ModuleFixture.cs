using System.Text.Json;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Conformance;

/// <summary>Shared steps of model fixtures: load the fixture's weights, read inputs, compare outputs and key manifests.</summary>
public static class ModuleFixture
{
    /// <summary>The device fixtures run on (<c>speechsep check-fixture --device cuda</c>); CPU by default.</summary>
    public static Device Device { get; set; } = torch.CPU;

    /// <summary>The fixture's weight file (<c>state_dict.file</c> in config.json, else <c>state_dict.pt</c>).</summary>
    public static string WeightsPath(Fixture f)
    {
        if (f.Config.TryGetProperty("state_dict", out var sd) && sd.ValueKind == JsonValueKind.Object &&
            sd.TryGetProperty("file", out var file) && file.ValueKind == JsonValueKind.String)
            return f.PathOf(file.GetString()!);
        return f.PathOf("state_dict.pt");
    }

    /// <summary>Loads the fixture's state dict into <paramref name="module"/> (strict by default) and switches to eval mode.</summary>
    public static StateDictLoadResult LoadWeights(Fixture f, torch.nn.Module module, bool strict = true)
    {
        var result = module.LoadStateDict(StateDict.Load(WeightsPath(f)), strict);
        module.eval();
        module.to(Device);
        return result;
    }

    /// <summary>An input array of the fixture as a tensor.</summary>
    public static Tensor Input(Fixture f, string name) => HostTensors.ToTensor(f.Array("inputs", name), Device);

    /// <summary>Compares a produced tensor with the expected output <paramref name="name"/> (shape and values).</summary>
    public static void CompareOutput(FixtureReport report, Fixture f, string name, Tensor got)
    {
        var expected = f.Array("outputs", name);
        var shape = got.shape;
        if (!shape.AsSpan().SequenceEqual(expected.Shape))
        {
            report.Fail(name, $"shape [{string.Join(", ", shape)}] != expected [{string.Join(", ", expected.Shape)}]");
            return;
        }
        report.Compare(name, got.ToDoubleArray(), expected.ToDoubleArray(), f.ToleranceFor(name));
    }

    /// <summary>
    /// Compares a module's state dict with a <c>keys.json</c> manifest: the same names in the same order, shapes and
    /// dtypes, and the stated parameter count (trainable parameters) when given.
    /// </summary>
    public static void CompareKeys(FixtureReport report, Fixture f, torch.nn.Module module, string file = "keys.json")
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(f.PathOf(file)));
        var root = doc.RootElement;
        var keys = root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("keys");
        var sd = module.state_dict();
        var expectedNames = new List<string>();
        var problems = new List<string>();
        foreach (var e in keys.EnumerateArray())
        {
            var name = e[0].GetString()!;
            expectedNames.Add(name);
            var shape = e[1].EnumerateArray().Select(x => x.GetInt64()).ToArray();
            if (!sd.TryGetValue(name, out var t)) { problems.Add($"missing {name}"); continue; }
            if (!t.shape.AsSpan().SequenceEqual(shape))
                problems.Add($"{name}: [{string.Join(", ", t.shape)}] != [{string.Join(", ", shape)}]");
            if (e.GetArrayLength() > 2 && e[2].ValueKind == JsonValueKind.String && ScalarTypeInfo.Parse(e[2].GetString()!).ToTorch() != t.dtype)
                problems.Add($"{name}: dtype {t.dtype.ToHost().TorchName()} != {e[2].GetString()}");
        }
        problems.AddRange(sd.Keys.Except(expectedNames).Select(k => "unexpected " + k));
        if (problems.Count == 0 && !sd.Keys.SequenceEqual(expectedNames)) problems.Add("same keys in a different order");
        report.Add(new OutputCheck("state_dict keys", problems.Count, double.NaN, problems.Count == 0,
            problems.Count == 0 ? $"{expectedNames.Count} keys, names/shapes/dtypes equal" : string.Join("; ", problems.Take(20))));
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("param_count", out var pc) && pc.ValueKind == JsonValueKind.Number)
        {
            long got = module.ParameterCount();
            long want = pc.GetInt64();
            report.Add(new OutputCheck("param_count", Math.Abs(got - want), double.NaN, got == want, $"{got:N0} vs {want:N0}"));
        }
    }
}
