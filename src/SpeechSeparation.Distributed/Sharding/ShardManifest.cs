using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpeechSeparation.Distributed.Sharding;

/// <summary>One line of a <see cref="ShardManifest"/>.</summary>
/// <param name="Input">The input file (full path).</param>
/// <param name="Outputs">The files written for it (or found, when skipped).</param>
/// <param name="Status"><c>ok</c>, <c>skipped</c> (done by an earlier run) or <c>failed</c>.</param>
/// <param name="Error">Why it failed (null otherwise).</param>
/// <param name="Shard">The shard, <c>K/N</c>.</param>
/// <param name="Seconds">Processing time.</param>
/// <param name="Time">When the record was written (UTC, ISO 8601).</param>
public sealed record ManifestRecord(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("outputs")] IReadOnlyList<string> Outputs,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("shard")] string Shard,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("time")] string Time)
{
    /// <summary>Status of an input processed now.</summary>
    public const string Ok = "ok";
    /// <summary>Status of an input an earlier run finished.</summary>
    public const string Skipped = "skipped";
    /// <summary>Status of an input that could not be processed.</summary>
    public const string Failed = "failed";
}

/// <summary>
/// A JSON-lines record of a batch job: one <see cref="ManifestRecord"/> per input, appended (and flushed) as each input
/// ends, so a killed job leaves a valid manifest of what it finished. Reopening a manifest reads the earlier records:
/// an input is <see cref="IsDone"/> when its last record is <c>ok</c> or <c>skipped</c> and all its outputs still exist.
/// Give every shard its own manifest (<c>{shard}</c> and <c>{shards}</c> in the path are replaced by K and N).
/// </summary>
public sealed class ShardManifest : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Dictionary<string, ManifestRecord> _last = new(StringComparer.Ordinal);
    private readonly FileStream _stream;
    private readonly Lock _gate = new();

    /// <summary>Opens (or creates) the manifest at <paramref name="path"/> for appending, reading its earlier records.</summary>
    /// <exception cref="InvalidDataException">A line of an existing manifest is not a record (named by its number).</exception>
    public ShardManifest(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = System.IO.Path.GetFullPath(path);
        if (File.Exists(Path))
        {
            int number = 0;
            foreach (var line in File.ReadLines(Path))
            {
                number++;
                if (line.Length == 0) continue;
                ManifestRecord? record;
                try { record = JsonSerializer.Deserialize<ManifestRecord>(line, Json); }
                catch (JsonException e)
                {
                    // A job killed mid-write leaves a partial last line; anything else is damage.
                    if (number == File.ReadLines(Path).Count()) continue;
                    throw new InvalidDataException($"{Path}, line {number}: not a manifest record ({e.Message}).", e);
                }
                if (record?.Input is { } input) _last[input] = record;
            }
        }
        else Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        // After a partial last line, start on a fresh line.
        if (_stream.Length > 0 && LastByte(Path) != (byte)'\n') _stream.WriteByte((byte)'\n');
    }

    /// <summary>The manifest path with <c>{shard}</c> and <c>{shards}</c> replaced by the shard's K and N.</summary>
    public static string PathFor(string template, ShardSpec shard)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(shard);
        return template.Replace("{shard}", shard.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{shards}", shard.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static byte LastByte(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        fs.Seek(-1, SeekOrigin.End);
        return (byte)fs.ReadByte();
    }

    /// <summary>The manifest file.</summary>
    public string Path { get; }

    /// <summary>The last record of every input seen in this manifest (earlier runs and this one), by full input path.</summary>
    public IReadOnlyDictionary<string, ManifestRecord> Records
    {
        get { lock (_gate) return new Dictionary<string, ManifestRecord>(_last, StringComparer.Ordinal); }
    }

    /// <summary>Whether the input's last record is <c>ok</c> or <c>skipped</c> and every output it lists exists.</summary>
    public bool IsDone(string input)
    {
        lock (_gate)
            return _last.TryGetValue(System.IO.Path.GetFullPath(input), out var r)
                && r.Status is ManifestRecord.Ok or ManifestRecord.Skipped
                && r.Outputs.Count > 0 && r.Outputs.All(File.Exists);
    }

    /// <summary>Appends a record (one line, flushed to disk).</summary>
    public ManifestRecord Append(string input, IReadOnlyList<string> outputs, string status, string? error, ShardSpec shard, double seconds)
    {
        var record = new ManifestRecord(System.IO.Path.GetFullPath(input), [.. outputs.Select(System.IO.Path.GetFullPath)], status, error,
            shard.ToString(), Math.Round(seconds, 3), DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Json) + "\n");
        lock (_gate)
        {
            _stream.Write(line);
            _stream.Flush(flushToDisk: true);
            _last[record.Input] = record;
        }
        return record;
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
