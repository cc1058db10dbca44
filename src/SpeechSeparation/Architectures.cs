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

    /// <summary>An integer hyper-parameter, or <paramref name="fallback"/>.</summary>
    public int Int(string name, int fallback) =>
        Config.ValueKind == JsonValueKind.Object && Config.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;
}

/// <summary>
/// The architectures <see cref="Separator.Load(string, SeparatorOptions?)"/> can build, by name. Model families register
/// a factory here; the built-in ones are registered on first use.
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
            Factories.TryAdd(BaselineNetworks.SimpleSeparatorName, BaselineNetworks.CreateSimpleSeparator);
            Factories.TryAdd(BaselineNetworks.AudioSeparatorName, BaselineNetworks.CreateAudioSeparator);
            Factories.TryAdd(MossFormerNetworks.MossFormerName, MossFormerNetworks.CreateMossFormer);
            Factories.TryAdd(MossFormerNetworks.MossFormer2Name, MossFormerNetworks.CreateMossFormer2);
            // ClearerVoice-Studio's model name: MossFormer2 at 16 kHz.
            Factories.TryAdd("MossFormer2_SS_16K", s => MossFormerNetworks.CreateMossFormer2(s with { SampleRate = s.SampleRate ?? 16000 }));
            Factories.TryAdd(HourglassNetwork.Name, HourglassNetwork.Create);
            Factories.TryAdd(FrcrnNetwork.Name, FrcrnNetwork.Create);
            Factories.TryAdd("FRCRN_SE_16K", FrcrnNetwork.Create);
            Factories.TryAdd(MossFormer2SeNetwork.Name, MossFormer2SeNetwork.Create);
            // ClearerVoice-Studio's model name.
            Factories.TryAdd(MossFormer2SeNetwork.ClearerVoiceName, MossFormer2SeNetwork.Create);
        }
    }
}
