using System.Buffers.Binary;
using System.Text.Json;

namespace SpeechSeparation.Serialization;

/// <summary>
/// Reads and writes safetensors files: an 8-byte little-endian header length, a JSON header
/// (<c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}</c>) and the
/// tensors' bytes. Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL. The reader checks that every
/// tensor's byte range matches its shape and that the ranges tile the data section exactly (no overlap, no hole).
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the tensors of a safetensors file, in header order.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message says why.</exception>
    public static IReadOnlyDictionary<string, HostTensor> Load(string path) => Load(path, out _);

    /// <summary>Reads the tensors and the <c>__metadata__</c> strings of a safetensors file.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message says why.</exception>
    public static IReadOnlyDictionary<string, HostTensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        try { return Load(fs, out metadata); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>Reads a safetensors file from a seekable stream positioned at its start.</summary>
    public static IReadOnlyDictionary<string, HostTensor> Load(Stream stream, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek) throw new ArgumentException("safetensors files are read from a seekable stream.", nameof(stream));
        long start = stream.Position;
        long length = stream.Length - start;
        if (length < 8) throw new InvalidDataException($"not a safetensors file: {length} bytes.");
        Span<byte> lenBytes = new byte[8];   // not stackalloc: see PickleInput._scratch
        stream.ReadExactly(lenBytes);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > (ulong)(length - 8)) throw new InvalidDataException($"safetensors header claims {n} bytes but the file has only {length - 8} after the length field (truncated?).");
        if (n > MaxHeaderBytes) throw new InvalidDataException($"safetensors header of {n} bytes is implausibly large.");
        var headerBytes = new byte[n];
        stream.ReadExactly(headerBytes);
        long dataStart = start + 8 + (long)n;
        long dataLength = length - 8 - (long)n;

        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        var specs = new List<(string Name, ScalarType DType, long[] Shape, long Begin, long End)>();
        JsonDocument doc;
        try
        {
            _ = StrictUtf8.GetCharCount(headerBytes);          // names are read as strings: invalid UTF-8 would throw there
            doc = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e) { throw new InvalidDataException($"safetensors header is not valid JSON: {e.Message}", e); }
        catch (System.Text.DecoderFallbackException e) { throw new InvalidDataException($"safetensors header is not valid UTF-8: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException("safetensors header is not a JSON object.");
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!names.Add(p.Name)) throw new InvalidDataException($"safetensors header names '{p.Name}' twice.");
                if (p.Name == "__metadata__")
                {
                    if (p.Value.ValueKind != JsonValueKind.Object) throw new InvalidDataException("safetensors __metadata__ is not an object.");
                    foreach (var m in p.Value.EnumerateObject())
                        meta[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                            : throw new InvalidDataException($"safetensors __metadata__ value '{m.Name}' is not a string.");
                    continue;
                }
                specs.Add(ParseSpec(p.Name, p.Value, dataLength));
            }
        }
        // The byte ranges must tile the data section.
        long covered = 0;
        foreach (var s in specs.OrderBy(s => s.Begin).ThenBy(s => s.End))
        {
            if (s.Begin != covered)
                throw new InvalidDataException(s.Begin < covered
                    ? $"safetensors tensor '{s.Name}' overlaps another tensor's bytes."
                    : $"safetensors data has a hole of {s.Begin - covered} bytes before tensor '{s.Name}'.");
            covered = s.End;
        }
        if (covered != dataLength) throw new InvalidDataException($"safetensors data section holds {dataLength} bytes but the tensors cover {covered}.");

        var result = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var s in specs)
        {
            var data = new byte[s.End - s.Begin];
            stream.Position = dataStart + s.Begin;
            stream.ReadExactly(data);
            result.Add(s.Name, new HostTensor(s.DType, s.Shape, data));
        }
        metadata = meta;
        return result;
    }

    private static (string, ScalarType, long[], long, long) ParseSpec(string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"safetensors entry '{name}' is not an object.");
        if (!e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw new InvalidDataException($"safetensors entry '{name}' lacks a dtype.");
        var dtype = FromCode(dt.GetString()!) ?? throw new InvalidDataException($"safetensors entry '{name}' has unsupported dtype '{dt.GetString()}'.");
        if (!e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"safetensors entry '{name}' lacks a shape.");
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new InvalidDataException($"safetensors entry '{name}' lacks data_offsets [begin, end].");
        var shape = new long[sh.GetArrayLength()];
        int i = 0;
        foreach (var d in sh.EnumerateArray())
            shape[i++] = d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var v) && v >= 0 ? v
                : throw new InvalidDataException($"safetensors entry '{name}' has a bad dimension {d}.");
        long begin = off[0].ValueKind == JsonValueKind.Number && off[0].TryGetInt64(out var b) ? b : -1;
        long end = off[1].ValueKind == JsonValueKind.Number && off[1].TryGetInt64(out var en) ? en : -1;
        if (begin < 0 || end < begin || end > dataLength)
            throw new InvalidDataException($"safetensors entry '{name}' has data_offsets [{off[0]}, {off[1]}] outside the {dataLength}-byte data section.");
        long bytes;
        try
        {
            long numel = 1;
            foreach (var d in shape) numel = checked(numel * d);
            bytes = checked(numel * dtype.ElementSize());
        }
        catch (OverflowException) { throw new InvalidDataException($"safetensors entry '{name}' has an absurd shape."); }
        if (bytes != end - begin)
            throw new InvalidDataException($"safetensors entry '{name}': shape [{string.Join(", ", shape)}] of {dtype.TorchName()} needs {bytes} bytes, data_offsets give {end - begin}.");
        return (name, dtype, shape, begin, end);
    }

    /// <summary>The safetensors dtype code of an element type (<c>F32</c>, <c>BF16</c>…).</summary>
    /// <exception cref="NotSupportedException">safetensors has no code for the type (complex).</exception>
    public static string DTypeCode(ScalarType t) => t switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.UInt8 => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors has no {t.TorchName()} dtype."),
    };

    private static ScalarType? FromCode(string code) => code switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.UInt8,
        "BOOL" => ScalarType.Bool,
        _ => null,
    };

    /// <summary>Writes tensors (and optional metadata strings) as a safetensors file, atomically (temporary file, then rename).</summary>
    public static void Save(string path, IReadOnlyDictionary<string, HostTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var full = Path.GetFullPath(path);
        var tmp = Path.Combine(Path.GetDirectoryName(full) ?? ".", "." + Path.GetFileName(full) + ".tmp-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Save(fs, tensors, metadata);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes tensors (and optional metadata strings) in safetensors layout to a stream.</summary>
    public static void Save(Stream stream, IReadOnlyDictionary<string, HostTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var kv in metadata) w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in tensors)
            {
                if (name == "__metadata__") throw new ArgumentException("A tensor cannot be called __metadata__ in safetensors.", nameof(tensors));
                w.WriteStartObject(name);
                w.WriteString("dtype", DTypeCode(t.DType));
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + t.Data.LongLength);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.Data.LongLength;
            }
            w.WriteEndObject();
        }
        var header = json.ToArray();
        int pad = (8 - header.Length % 8) % 8;
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(header.Length + pad));
        stream.Write(len);
        stream.Write(header);
        for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
        foreach (var t in tensors.Values) stream.Write(t.Data);
    }

    /// <summary>The tensors as an ordered <see cref="PythonDict"/> (metadata, if any, under <see cref="PythonDict.Attributes"/>).</summary>
    internal static PythonDict LoadAsDict(Stream stream)
    {
        var tensors = Load(stream, out var meta);
        var d = new PythonDict(ordered: true);
        foreach (var (k, v) in tensors) d.Set(k, v);
        if (meta.Count > 0)
        {
            var m = new PythonDict();
            foreach (var (k, v) in meta) m.Set(k, v);
            d.Attributes = new PythonDict();
            d.Attributes.Set("__metadata__", m);
        }
        return d;
    }

    /// <summary>True when <paramref name="head"/> (the first bytes of a file) looks like safetensors.</summary>
    internal static bool LooksLikeSafeTensors(ReadOnlySpan<byte> head) =>
        head.Length >= 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) < (1UL << 40);
}
