using System.Text.Json;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Conformance.Checkpoints;

/// <summary>
/// Fixture kind <c>checkpoint-formats</c>: real <c>torch.save</c> files (listed under <c>files</c>, as an object of
/// name → description or an array of names) and every tensor (<c>tensors</c>: key, .npy file, dtype, shape).
/// Each file's state dict is found with <see cref="StateDict.Load"/> (wrappers and the DataParallel prefix handled) and
/// every listed tensor is compared with its .npy dump: dtype and shape must match and the values must be equal
/// (floating types through <see cref="FixtureReport.Compare"/> at the fixture's tolerance, exact unless it says
/// otherwise; integer and bool types element for element). A check per file also requires the state dict to hold
/// exactly the listed keys.
/// </summary>
internal sealed class CheckpointFormatsHandler : IFixtureHandler
{
    /// <inheritdoc />
    public string Name => "checkpoint-formats";

    /// <inheritdoc />
    public bool CanHandle(Fixture fixture) => fixture.Kind == "checkpoint-formats";

    /// <inheritdoc />
    public void Run(Fixture fixture, FixtureReport report)
    {
        var files = FileNames(fixture.Config);
        if (files.Count == 0) throw new InvalidDataException("config.json lists no checkpoint files under 'files'.");
        if (!fixture.Config.TryGetProperty("tensors", out var tensorList) || tensorList.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("config.json lists no 'tensors'.");
        var expected = tensorList.EnumerateArray().Select(t => (
            Key: t.GetProperty("key").GetString()!,
            File: t.GetProperty("file").GetString()!,
            DType: t.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
            Shape: t.TryGetProperty("shape", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().Select(x => x.GetInt64()).ToArray() : null)).ToList();
        var dumps = new Dictionary<string, HostTensor>(StringComparer.Ordinal);

        foreach (var file in files)
        {
            IReadOnlyDictionary<string, HostTensor> sd;
            try
            {
                sd = StateDict.Load(fixture.PathOf(file));
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                report.Fail(file, $"load failed: {e.Message}");
                continue;
            }
            var missing = expected.Where(e => !sd.ContainsKey(e.Key)).Select(e => e.Key).ToList();
            var extra = sd.Keys.Where(k => expected.All(e => e.Key != k)).ToList();
            report.Add(new OutputCheck($"{file}:keys", 0, 0, missing.Count == 0 && extra.Count == 0,
                missing.Count == 0 && extra.Count == 0 ? $"{sd.Count} entries" :
                $"missing [{string.Join(", ", missing)}] unexpected [{string.Join(", ", extra)}]"));

            foreach (var (key, npy, dtype, shape) in expected)
            {
                string name = $"{file}:{key}";
                if (!sd.TryGetValue(key, out var got)) continue; // reported by the keys check
                if (!dumps.TryGetValue(npy, out var want)) dumps[npy] = want = fixture.Npy(npy);
                if (dtype is not null && ScalarTypeInfo.Parse(dtype) != got.DType)
                {
                    report.Fail(name, $"dtype {got.DType.TorchName()}, expected {dtype}");
                    continue;
                }
                if (!got.Shape.SequenceEqual(shape ?? want.Shape) || !got.Shape.SequenceEqual(want.Shape))
                {
                    report.Fail(name, $"shape [{string.Join(", ", got.Shape)}], expected [{string.Join(", ", shape ?? want.Shape)}]");
                    continue;
                }
                if (IsInteger(got.DType) && IsInteger(want.DType))
                    report.CompareExact(name, got.ToInt64Array(), want.ToInt64Array());
                else
                    report.Compare(name, got.ToDoubleArray(), want.ToDoubleArray(), fixture.ToleranceFor(key));
            }
        }
    }

    private static bool IsInteger(Serialization.ScalarType t) =>
        t is Serialization.ScalarType.Int64 or Serialization.ScalarType.Int32 or Serialization.ScalarType.Int16
            or Serialization.ScalarType.Int8 or Serialization.ScalarType.UInt8 or Serialization.ScalarType.Bool;

    private static List<string> FileNames(JsonElement config)
    {
        if (!config.TryGetProperty("files", out var f)) return [];
        return f.ValueKind switch
        {
            JsonValueKind.Object => f.EnumerateObject().Select(p => p.Name).ToList(),
            JsonValueKind.Array => f.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList(),
            _ => [],
        };
    }
}
