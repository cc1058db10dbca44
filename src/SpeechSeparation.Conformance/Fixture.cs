using System.Text.Json;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Conformance;

/// <summary>A reference fixture folder: its <c>config.json</c> and helpers to read its arrays.</summary>
public sealed class Fixture
{
    private Fixture(string directory, JsonElement config)
    {
        Directory = directory;
        Config = config;
    }

    /// <summary>The fixture folder.</summary>
    public string Directory { get; }

    /// <summary>The parsed <c>config.json</c>.</summary>
    public JsonElement Config { get; }

    /// <summary>The <c>kind</c> entry, if any (e.g. <c>dsp-stft</c>).</summary>
    public string? Kind => Config.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;

    /// <summary>The <c>model</c> entry, if any (e.g. <c>mossformer</c>, <c>frcrn.SELayer</c>).</summary>
    public string? Model => Config.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;

    /// <summary>The upstream class (<c>upstream.class</c>), if any.</summary>
    public string? UpstreamClass =>
        Config.TryGetProperty("upstream", out var u) && u.ValueKind == JsonValueKind.Object &&
        u.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;

    /// <summary>Opens a fixture folder.</summary>
    /// <exception cref="FileNotFoundException">The folder has no config.json.</exception>
    public static Fixture Open(string directory)
    {
        var path = Path.Combine(directory, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"No config.json in fixture folder '{directory}'.", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return new Fixture(Path.GetFullPath(directory), doc.RootElement.Clone());
    }

    /// <summary>Full path of a file inside the fixture folder.</summary>
    public string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>Reads a <c>.npy</c> file of the fixture.</summary>
    public HostTensor Npy(string file) => Serialization.Npy.Read(PathOf(file));

    /// <summary>Reads the array named <paramref name="name"/> under <c>inputs</c> or <c>outputs</c> (its <c>file</c> entry).</summary>
    public HostTensor Array(string section, string name)
    {
        var entry = Config.GetProperty(section).GetProperty(name);
        var file = entry.ValueKind == JsonValueKind.String ? entry.GetString()! : entry.GetProperty("file").GetString()!;
        return Npy(file);
    }

    /// <summary>Names under <c>inputs</c> or <c>outputs</c> (empty when the section is absent).</summary>
    public IReadOnlyList<string> Names(string section) =>
        Config.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object
            ? s.EnumerateObject().Select(p => p.Name).ToList()
            : [];

    /// <summary>The <c>hyper</c> (or <c>params</c>) object, or an empty object.</summary>
    public JsonElement Hyper =>
        Config.TryGetProperty("hyper", out var h) ? h :
        Config.TryGetProperty("params", out var p) ? p : default;

    /// <summary>
    /// The tolerance for an output: the entry named after the output, else one whose comma-separated key lists it,
    /// else <c>default</c>, else the top-level bounds of <c>tolerance</c>.
    /// </summary>
    public Tolerance ToleranceFor(string output)
    {
        if (!Config.TryGetProperty("tolerance", out var t) || t.ValueKind != JsonValueKind.Object) return Tolerance.Exact;
        foreach (var p in t.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Object) continue;
            var names = p.Name.Split(',', StringSplitOptions.TrimEntries);
            if (names.Any(n => n == output || (n.EndsWith('*') && output.StartsWith(n[..^1], StringComparison.Ordinal))))
                return Tolerance.Parse(p.Value);
        }
        if (t.TryGetProperty("default", out var d) && d.ValueKind == JsonValueKind.Object) return Tolerance.Parse(d);
        return Tolerance.Parse(t);
    }
}
