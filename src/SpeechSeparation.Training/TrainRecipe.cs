using System.Text.Json;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Training;

/// <summary>
/// The scalar part of a training recipe (<c>speechsep train --recipe</c>, docs/training.md), read with type and range
/// checks so that a malformed file fails with the key's name before anything is built. The data entries
/// (<see cref="Train"/>, <see cref="Valid"/>) and <see cref="Config"/> stay JSON for their readers.
/// </summary>
public sealed record TrainRecipe
{
    /// <summary>The largest recipe file read.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Architecture to train.</summary>
    public required string Architecture { get; init; }
    /// <summary>Its hyper-parameters (an object, or <c>default</c>).</summary>
    public JsonElement Config { get; init; }
    /// <summary>Sample rate, or null for the architecture's default.</summary>
    public int? SampleRate { get; init; }
    /// <summary>Run folder.</summary>
    public required string Output { get; init; }
    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 4;
    /// <summary>Run seed.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Data-loader threads.</summary>
    public int Workers { get; init; } = 2;
    /// <summary>libtorch threads, or null for libtorch's default.</summary>
    public int? Threads { get; init; }
    /// <summary>Learning rate, or null for the architecture's default.</summary>
    public double? LearningRate { get; init; }
    /// <summary>Weight decay, or null for the architecture's default.</summary>
    public double? WeightDecay { get; init; }
    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Gradient-norm clipping (0: off).</summary>
    public double ClipNorm { get; init; } = 5;
    /// <summary>Epochs without improvement before stopping (0: never).</summary>
    public int EarlyStopping { get; init; } = 10;
    /// <summary>Weights to start from (a package, folder or checkpoint), or null.</summary>
    public string? InitFrom { get; init; }
    /// <summary>Gradient all-reduce bucket size in MiB under MPI, or null for the default.</summary>
    public double? GradientBucketMegabytes { get; init; }
    /// <summary>The training data entry.</summary>
    public JsonElement Train { get; init; }
    /// <summary>The validation data entry, or <c>default</c>.</summary>
    public JsonElement Valid { get; init; }

    /// <summary>Reads a recipe file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, too large, or a key of the wrong type or range (named).</exception>
    public static TrainRecipe Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Recipe '{path}' does not exist.", path);
        using var s = File.OpenRead(path);
        return Parse(s, $"recipe '{path}'");
    }

    /// <summary>Reads a recipe from a stream (comments and trailing commas allowed).</summary>
    /// <exception cref="InvalidDataException">Not JSON, too large, or a key of the wrong type or range (named).</exception>
    public static TrainRecipe Parse(Stream stream, string name = "recipe")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var doc = BoundedJson.Parse(stream, MaxBytes, name, allowComments: true);
        using (doc)
        try
        {
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{name}: expected a JSON object.");
            string Str(string key) => r.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
                ? s : throw new InvalidDataException($"{name}: missing '{key}' (a non-empty string).");
            string? OptStr(string key) => !r.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
                : v.ValueKind == JsonValueKind.String ? v.GetString() : throw new InvalidDataException($"{name}: '{key}' must be a string.");
            int? Int(string key, int min, int max)
            {
                if (!r.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i) || i < min || i > max)
                    throw new InvalidDataException($"{name}: '{key}' must be an integer between {min} and {max}, not {Raw(v)}.");
                return i;
            }
            double? Dbl(string key, double min, double max)
            {
                if (!r.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !(d >= min && d <= max))
                    throw new InvalidDataException($"{name}: '{key}' must be a number between {min} and {max}, not {Raw(v)}.");
                return d;
            }
            JsonElement Obj(string key, bool required)
            {
                if (!r.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
                    return required ? throw new InvalidDataException($"{name}: missing '{key}' (an object).") : default;
                return v.ValueKind == JsonValueKind.Object ? v.Clone() : throw new InvalidDataException($"{name}: '{key}' must be an object.");
            }
            return new TrainRecipe
            {
                Architecture = Str("architecture"),
                Config = Obj("config", required: false),
                SampleRate = Int("sample_rate", 1, 1_000_000),
                Output = Str("output"),
                BatchSize = Int("batch_size", 1, 65536) ?? 4,
                Seed = Int("seed", int.MinValue, int.MaxValue) ?? 1,
                Workers = Int("workers", 0, 256) ?? 2,
                Threads = Int("threads", 1, 4096),
                LearningRate = Dbl("lr", 0, 10),
                WeightDecay = Dbl("weight_decay", 0, 10),
                Epochs = Int("epochs", 0, 1_000_000) ?? 10,
                ClipNorm = Dbl("clip_norm", 0, 1e9) ?? 5,
                EarlyStopping = Int("early_stopping", 0, 1_000_000) ?? 10,
                InitFrom = OptStr("init_from"),
                GradientBucketMegabytes = Dbl("gradient_bucket_mb", 0.001, 4096),
                Train = Obj("train", required: true),
                Valid = Obj("valid", required: false),
            };
        }
        catch (InvalidOperationException e)   // a string that does not transcode (e.g. an escaped lone surrogate)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
    }


    private static string Raw(JsonElement v)
    {
        var raw = v.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "…";
    }
}
