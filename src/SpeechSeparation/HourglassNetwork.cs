using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation;

/// <summary>
/// The stacked hourglass music separator (Park et al. 2018) behind <see cref="Separator"/>: 8 kHz mixture → |STFT|
/// (1024/256 Hann) normalised by its maximum → mask network in 64-frame windows → last stack's masks (negatives set to
/// 0) × mixture magnitude with the mixture phase → inverse STFT of the input length (see <see cref="HourglassSeparator"/>).
/// </summary>
/// <remarks>
/// Package config (architecture <c>hourglass</c>): the network's hyper-parameters with the reference names
/// (<c>num_sources</c>, <c>num_stacks</c>, <c>depth</c>, <c>channels</c>, <c>growth</c>, <c>stem</c>; absent ones take the
/// paper's values), or <c>"variant": "zyf"</c> with ZYF's names (<c>num_stacks</c>, <c>first_depth_channels</c>,
/// <c>output_channels</c>, <c>next_depth_add_channels</c>); <c>"sources"</c>: the stem names in output order (default
/// accompaniment, vocals, the MIR-1K order of the TF code; needed for other source counts); <c>"inverse"</c>:
/// <c>"nyquist0"</c> (default, consistent) or <c>"librosa1022"</c> (as the TF evaluation script).
/// Each window the separator hands over is normalised by its own maximum. With <see cref="Precision.BFloat16"/> only the
/// mask network runs in bfloat16; the STFTs and the masking stay in float32.
/// </remarks>
public sealed class HourglassNetwork : ISeparationNetwork
{
    /// <summary>The architecture name.</summary>
    public const string Name = Families.HourglassFamily.ArchitectureName;

    /// <summary>Stem names of a two-source network, in output order (the TF code's MIR-1K order).</summary>
    public static IReadOnlyList<string> DefaultSourceNames { get; } = ["accompaniment", "vocals"];

    private readonly torch.nn.Module<Tensor, Tensor> _module;
    private readonly HourglassSeparator _separator;

    /// <summary>Builds the network a package describes and loads its weights strictly.</summary>
    public HourglassNetwork(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var cfg = spec.Config;
        (_module, int sources) = Families.HourglassFamily.CreateMaskNetwork(cfg);
        try
        {
            _module.LoadStateDict(spec.Weights);
            _module.eval();
            _module.to(spec.Device);
            if (spec.Precision != Precision.Float32) _module.to(spec.ScalarType);
            SourceNames = SourceNamesFrom(cfg, sources);
        }
        catch
        {
            _module.Dispose();
            throw;
        }
        var inverse = String(cfg, "inverse") is { } inv && inv.Equals("librosa1022", StringComparison.OrdinalIgnoreCase)
            ? HourglassInverse.Librosa1022 : HourglassInverse.Nyquist0;
        // In bfloat16 only the mask network converts: the STFTs, normalisation and masking stay in float32.
        _separator = new HourglassSeparator(spec.Precision == Precision.Float32 ? _module : new Converting(_module, spec.ScalarType), inverse);
        SampleRate = spec.SampleRate ?? HourglassSeparator.SampleRate;
        Device = spec.Device;
    }

    /// <summary>The package config describing a network of the TF/paper family (for <see cref="ModelPackage.Save"/>).</summary>
    public static JsonObject PackageConfig(HourglassConfig config, IReadOnlyList<string>? sourceNames = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var o = new JsonObject
        {
            ["num_sources"] = config.NumSources,
            ["num_stacks"] = config.NumStacks,
            ["depth"] = config.Depth,
            ["channels"] = config.Channels,
            ["growth"] = config.Growth,
            ["stem"] = new JsonArray(config.Stem.Select(w => (JsonNode)w).ToArray()),
        };
        if (sourceNames is not null) o["sources"] = new JsonArray(sourceNames.Select(n => (JsonNode)n).ToArray());
        return o;
    }

    /// <summary>The package config describing ZYF's network.</summary>
    public static JsonObject PackageConfig(ZyfHourglassConfig config, IReadOnlyList<string>? sourceNames = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var o = new JsonObject
        {
            ["variant"] = "zyf",
            ["num_stacks"] = config.NumStacks,
            ["first_depth_channels"] = config.FirstDepthChannels,
            ["output_channels"] = config.OutputChannels,
            ["next_depth_add_channels"] = config.NextDepthAddChannels,
            ["depth"] = config.Depth,
        };
        if (sourceNames is not null) o["sources"] = new JsonArray(sourceNames.Select(n => (JsonNode)n).ToArray());
        return o;
    }

    /// <inheritdoc />
    public string Architecture => Name;
    /// <inheritdoc />
    public int SampleRate { get; }
    /// <inheritdoc />
    public IReadOnlyList<string> SourceNames { get; }
    /// <inheritdoc />
    public long ParameterCount => _module.ParameterCount();
    /// <inheritdoc />
    public Device Device { get; }

    /// <summary>False: output 0 is always the accompaniment and output 1 the vocals, so windows are never re-ordered.</summary>
    public bool OutputOrderIsArbitrary => false;

    /// <summary>The mask network.</summary>
    public torch.nn.Module<Tensor, Tensor> Module => _module;

    /// <inheritdoc />
    public Tensor Separate(Tensor mixtures)
    {
        using var scope = torch.NewDisposeScope();
        return _separator.Separate(mixtures).MoveToOuterDisposeScope();               // [B, S, T]
    }

    /// <inheritdoc />
    public void Dispose() => _module.Dispose();

    private static string? String(JsonElement cfg, string name) =>
        cfg.ValueKind == JsonValueKind.Object && cfg.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string[] SourceNamesFrom(JsonElement cfg, int sources)
    {
        if (cfg.ValueKind == JsonValueKind.Object && cfg.TryGetProperty("sources", out var s) && s.ValueKind == JsonValueKind.Array)
        {
            var names = s.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
            if (names.Length != sources)
                throw new InvalidDataException($"The hourglass config names {names.Length} sources but the network has {sources} outputs.");
            return names;
        }
        if (sources == DefaultSourceNames.Count) return [.. DefaultSourceNames];
        return Enumerable.Range(1, sources).Select(i => $"source{i}").ToArray();
    }

    /// <summary>Runs a mask network converted to another dtype: input converted to it, masks back to the input's dtype.
    /// Owns nothing (the wrapped module is disposed by the network).</summary>
    private sealed class Converting(torch.nn.Module<Tensor, Tensor> inner, ScalarType dtype) : Module<Tensor, Tensor>
    {
        public override Tensor forward(Tensor input)
        {
            using var scope = torch.NewDisposeScope();
            return inner.forward(input.to(dtype)).to(input.dtype).MoveToOuterDisposeScope();
        }
    }
}
