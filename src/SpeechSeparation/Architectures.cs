using System.Text.Json;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;

namespace SpeechSeparation;

/// <summary>What a network factory receives: the architecture's hyper-parameters, weights and placement.</summary>
/// <param name="Architecture">Architecture name.</param>
/// <param name="Config">Hyper-parameters with the upstream names (a JSON object; may be empty).</param>
/// <param name="Weights">The state dict to load strictly.</param>
/// <param name="SampleRate">Sample rate from the package, or null for the architecture's default.</param>
/// <param name="Device">Where to place the weights.</param>
public sealed record NetworkSpec(string Architecture, JsonElement Config, IReadOnlyDictionary<string, HostTensor> Weights, int? SampleRate, Device Device)
{
    /// <summary>
    /// The precision to run in (float32 unless set). A factory whose network cannot run in bfloat16 raises
    /// <see cref="NotSupportedException"/> (see <see cref="RequireFloat32"/>).
    /// </summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>The tensor dtype of <see cref="Precision"/>.</summary>
    public ScalarType ScalarType => Precision switch
    {
        Precision.Float32 => ScalarType.Float32,
        Precision.BFloat16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "Unknown precision."),
    };

    /// <summary>Raises <see cref="NotSupportedException"/> naming the architecture unless the precision is float32.</summary>
    /// <param name="reason">Why the architecture runs in float32 only (e.g. the operation libtorch lacks).</param>
    public void RequireFloat32(string reason)
    {
        if (Precision != Precision.Float32)
            throw new NotSupportedException($"Architecture '{Architecture}' cannot run in {Precision}: {reason}. Use Precision.Float32.");
    }

    /// <summary>True when <see cref="Config"/> names no hyper-parameter (then some families take the widths from the weights).</summary>
    public bool ConfigIsEmpty => Config.ValueKind != JsonValueKind.Object || !Config.EnumerateObject().Any();

    /// <summary>An integer hyper-parameter, or <paramref name="fallback"/>.</summary>
    public int Int(string name, int fallback) =>
        Config.ValueKind == JsonValueKind.Object && Config.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;
}

/// <summary>
/// The architectures <see cref="Separator.Load(string, SeparatorOptions?)"/> can build, by name: the built-in
/// <see cref="Families.ModelFamilies"/> (registered on first use) and any factory registered here.
/// </summary>
public static class Architectures
{
    private static readonly Dictionary<string, Func<NetworkSpec, ISeparationNetwork>> Factories = new(StringComparer.OrdinalIgnoreCase);
    private static readonly object Gate = new();
    private static bool _builtIns;

    /// <summary>Registers (or replaces) a factory.</summary>
    public static void Register(string name, Func<NetworkSpec, ISeparationNetwork> factory)
    {
        lock (Gate) Factories[name] = factory ?? throw new ArgumentNullException(nameof(factory));
    }

    /// <summary>Every registered name.</summary>
    public static IReadOnlyCollection<string> Names
    {
        get
        {
            EnsureBuiltIns();
            lock (Gate) return [.. Factories.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Builds a network.</summary>
    /// <exception cref="NotSupportedException">The architecture is unknown.</exception>
    public static ISeparationNetwork Create(NetworkSpec spec)
    {
        EnsureBuiltIns();
        Func<NetworkSpec, ISeparationNetwork>? f;
        lock (Gate) Factories.TryGetValue(spec.Architecture, out f);
        if (f is null)
            throw new NotSupportedException($"Unknown architecture '{spec.Architecture}'. Known: {string.Join(", ", Names)}.");
        return f(spec);
    }

    private static void EnsureBuiltIns()
    {
        lock (Gate)
        {
            if (_builtIns) return;
            _builtIns = true;
            foreach (var family in Families.ModelFamilies.All)
                foreach (var name in family.Aliases.Prepend(family.Name))
                    Factories.TryAdd(name, family.CreateNetwork);
        }
    }
}
