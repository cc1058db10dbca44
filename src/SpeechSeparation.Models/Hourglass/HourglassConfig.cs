using System.Text.Json;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>
/// Hyper-parameters of <see cref="StackedHourglassNet"/> (Park et al. 2018, as in the authors' TensorFlow code), with the
/// names of this project's reference (<c>refgen/ref_hourglass.py</c>).
/// </summary>
/// <param name="NumSources">Masks per stack (<c>num_sources</c>): 2 for MIR-1K (accompaniment, vocals), 4 for DSD100.</param>
/// <param name="NumStacks">Stacked hourglass modules (<c>num_stacks</c>).</param>
/// <param name="Depth">Pooling levels per hourglass (<c>depth</c>).</param>
/// <param name="Channels">Width f at full resolution (<c>channels</c>).</param>
/// <param name="Growth">Channels added per pooling level (<c>growth</c>; 0 in the paper).</param>
/// <param name="Stem">Output widths of the stem convolutions cnv1, cnv2, cnv2b, cnv3 (<c>stem</c>); cnv4 maps to f.</param>
public sealed record HourglassConfig(int NumSources, int NumStacks, int Depth, int Channels, int Growth, IReadOnlyList<int> Stem)
{
    /// <summary>The paper's MIR-1K network: 2 sources, 4 stacks, 4 levels, 256 channels, stem (64, 128, 128, 128); 34,176,776 parameters.</summary>
    public static HourglassConfig Paper { get; } = new(2, 4, 4, 256, 0, [64, 128, 128, 128]);

    /// <summary>The paper's DSD100 network: as <see cref="Paper"/> with 4 sources (bass, drums, other, vocals).</summary>
    public static HourglassConfig Dsd100 { get; } = Paper with { NumSources = 4 };

    /// <summary>The channel-growth variant: 64 channels, +64 per pooling level (64 … 320); 20,540,488 parameters.</summary>
    public static HourglassConfig Growth64 { get; } = new(2, 4, 4, 64, 64, [64, 128, 128, 128]);

    /// <summary>Reads <c>num_sources</c>, <c>num_stacks</c>, <c>depth</c>, <c>channels</c>, <c>growth</c>, <c>stem</c>; absent entries take <see cref="Paper"/>'s values.</summary>
    public static HourglassConfig FromJson(JsonElement hyper)
    {
        var p = Paper;
        var stem = p.Stem;
        if (hyper.ValueKind == JsonValueKind.Object && hyper.TryGetProperty("stem", out var s) && s.ValueKind == JsonValueKind.Array)
            stem = s.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int w)
                ? w : throw new InvalidDataException($"hourglass config: stem entry {e.GetRawText()} is not a 32-bit integer.")).ToArray();
        var c = new HourglassConfig(JsonHyper.Int(hyper, "num_sources", p.NumSources), JsonHyper.Int(hyper, "num_stacks", p.NumStacks),
            JsonHyper.Int(hyper, "depth", p.Depth), JsonHyper.Int(hyper, "channels", p.Channels), JsonHyper.Int(hyper, "growth", p.Growth), stem);
        try { c.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException("hourglass config: " + e.Message, e); }
        return c;
    }

    /// <summary>Throws when a value cannot build a network.</summary>
    public void Validate()
    {
        if (NumSources < 1 || NumStacks < 1 || Depth < 1 || Channels < 1 || Growth < 0)
            throw new ArgumentException($"Invalid hourglass configuration {this}.");
        // Sizes read from files: refuse the absurd before allocating (the paper's network: 4 stacks, depth 4, 256 channels).
        if (NumSources > 16 || NumStacks > 64 || Depth > 12 || Channels > 4096 || Growth > 4096 || Stem.Any(w => w > 4096)
            || (double)NumStacks * Math.Pow(Channels + (double)Growth * (Depth + 1), 2) * 9 * 4 * (Depth + 1) > 1.5e9)
            throw new ArgumentException($"Hourglass configuration {this} is too large to build from a configuration file.");
        if (Stem.Count != 4 || Stem.Any(w => w < 1))
            throw new ArgumentException($"The hourglass stem needs 4 positive widths (cnv1, cnv2, cnv2b, cnv3), got [{string.Join(", ", Stem)}].");
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"HourglassConfig(sources {NumSources}, stacks {NumStacks}, depth {Depth}, channels {Channels}, growth {Growth}, stem [{string.Join(", ", Stem)}])";
}

/// <summary>
/// Hyper-parameters of <see cref="ZyfStackedHourglassNet"/> (ZYFZYF/Music-Source-Separation, <c>Model.StackedHourglassNet</c>),
/// with the upstream argument names.
/// </summary>
/// <param name="NumStacks">Stacks (<c>num_stacks</c>).</param>
/// <param name="FirstDepthChannels">Width at full resolution (<c>first_depth_channels</c>).</param>
/// <param name="OutputChannels">Masks per stack (<c>output_channels</c>).</param>
/// <param name="NextDepthAddChannels">Channels added per pooling level (<c>next_depth_add_channels</c>).</param>
/// <param name="Depth">Recursion depth of each hourglass (hard-coded 4 upstream: five pooling levels).</param>
public sealed record ZyfHourglassConfig(int NumStacks, int FirstDepthChannels, int OutputChannels, int NextDepthAddChannels, int Depth = 4)
{
    /// <summary>As configured in ZYF's main.py: 4 stacks, 64 channels, +64 per level, 2 outputs; 34,689,752 parameters.</summary>
    public static ZyfHourglassConfig Default { get; } = new(4, 64, 2, 64);

    /// <summary>ZYF's replica of the paper's constant width: 256 channels, +0 per level.</summary>
    public static ZyfHourglassConfig PaperWidth { get; } = new(4, 256, 2, 0);

    /// <summary>Pooling levels: Depth + 1 (inputs must be multiples of 2^levels in both axes).</summary>
    public int PoolingLevels => Depth + 1;

    /// <summary>Reads <c>num_stacks</c>, <c>first_depth_channels</c>, <c>output_channels</c>, <c>next_depth_add_channels</c>, <c>depth</c>; absent entries take <see cref="Default"/>'s values.</summary>
    public static ZyfHourglassConfig FromJson(JsonElement hyper)
    {
        var d = Default;
        var c = new ZyfHourglassConfig(JsonHyper.Int(hyper, "num_stacks", d.NumStacks), JsonHyper.Int(hyper, "first_depth_channels", d.FirstDepthChannels),
            JsonHyper.Int(hyper, "output_channels", JsonHyper.Int(hyper, "num_sources", d.OutputChannels)),
            JsonHyper.Int(hyper, "next_depth_add_channels", d.NextDepthAddChannels), JsonHyper.Int(hyper, "depth", d.Depth));
        if (c.NumStacks < 1 || c.FirstDepthChannels < 1 || c.OutputChannels < 1 || c.NextDepthAddChannels < 0 || c.Depth < 0)
            throw new InvalidDataException($"Invalid configuration {c}.");
        if (c.NumStacks > 64 || c.FirstDepthChannels > 4096 || c.OutputChannels > 16 || c.NextDepthAddChannels > 4096 || c.Depth > 12)
            throw new InvalidDataException($"Configuration {c} is too large to build from a configuration file.");
        return c;
    }
}

internal static class JsonHyper
{
    /// <summary>An integer hyper-parameter, or <paramref name="fallback"/> when absent; a number that is not a 32-bit
    /// integer is an <see cref="InvalidDataException"/> naming it.</summary>
    public static int Int(JsonElement hyper, string name, int fallback) =>
        hyper.ValueKind == JsonValueKind.Object && hyper.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.TryGetInt32(out int i) ? i : throw new InvalidDataException($"config: {name} = {v.GetRawText()} is not a 32-bit integer.")
            : fallback;
}
