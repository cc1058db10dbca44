using System.Buffers.Binary;
using System.Numerics;

namespace SpeechSeparation.Serialization;

/// <summary>
/// Reads and writes PyTorch <c>torch.save</c> files without Python or libtorch.
/// <para>
/// Reading understands the zip format (torch ≥ 1.6: <c>&lt;name&gt;/data.pkl</c> plus <c>&lt;name&gt;/data/&lt;key&gt;</c> storages)
/// and the legacy format (magic number, protocol, system info, the pickled object, the storage keys and the raw storages),
/// and, for convenience, safetensors files. The pickle is interpreted by a safe unpickler that never runs code:
/// the result is a graph of <see cref="PythonDict"/> (dict/OrderedDict), <see cref="List{T}"/> of object (list),
/// <see cref="PythonTuple"/>, <see cref="PythonSet"/>, <see cref="HostTensor"/>, <see cref="long"/>
/// (<see cref="BigInteger"/> beyond 64 bits), <see cref="double"/>, <see cref="string"/>, <c>byte[]</c>, <see cref="bool"/>,
/// <see langword="null"/>, <see cref="Complex"/>, and inert <see cref="PythonObject"/> / <see cref="PythonGlobal"/>
/// placeholders for anything else (an <c>argparse.Namespace</c>, a pickled <c>nn.Module</c>…).
/// Tensors come out contiguous in row-major order whatever their storage offset and strides; tensors that shared a
/// storage get their own copies.
/// </para>
/// <para>
/// Damaged, truncated or hostile files raise <see cref="InvalidDataException"/> naming the problem; every size read from
/// the file is checked against the file's length before memory is allocated.
/// </para>
/// </summary>
public static class TorchCheckpoint
{
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads a checkpoint file (torch zip, torch legacy or safetensors).</summary>
    /// <exception cref="InvalidDataException">The file is not a readable checkpoint; the message says why.</exception>
    public static object? Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        try { return Load(fs); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>Reads a checkpoint from a seekable stream positioned at its start (torch zip, torch legacy or safetensors).</summary>
    /// <exception cref="InvalidDataException">The data is not a readable checkpoint; the message says why.</exception>
    public static object? Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("Checkpoints are read from a readable, seekable stream.", nameof(stream));
        if (stream.Position != 0) throw new ArgumentException("The checkpoint must start at the beginning of the stream (position 0).", nameof(stream));
        long start = 0;
        var head = new byte[Math.Min(512, stream.Length - start)];
        stream.ReadExactly(head);
        stream.Position = start;
        return DetectFormat(head) switch
        {
            CheckpointFormat.TorchZip => LoadZip(stream),
            CheckpointFormat.TorchLegacy => LoadLegacy(stream),
            CheckpointFormat.SafeTensors => SafeTensors.LoadAsDict(stream),
            _ => throw new InvalidDataException(head.Length == 0 ? "the file is empty."
                : head.Length > 262 && head.AsSpan(257, 5).SequenceEqual("ustar"u8)
                    ? "this is the tar-based checkpoint format of torch < 0.4, which is not supported; re-save it with a recent torch."
                    : "not a PyTorch checkpoint (neither a zip archive, a pickle nor a safetensors file)."),
        };
    }

    /// <summary>Tells the file format from the first bytes of a file.</summary>
    public static CheckpointFormat DetectFormat(ReadOnlySpan<byte> head)
    {
        if (ZipStore.LooksLikeZip(head)) return CheckpointFormat.TorchZip;
        if (head.Length >= 2 && head[0] == 0x80 && head[1] <= 5) return CheckpointFormat.TorchLegacy;
        if (SafeTensors.LooksLikeSafeTensors(head)) return CheckpointFormat.SafeTensors;
        return CheckpointFormat.Unknown;
    }

    private static object? LoadZip(Stream stream)
    {
        var zip = ZipStore.Open(stream);
        var pkls = zip.Entries.Where(e => e.Name.EndsWith("/data.pkl", StringComparison.Ordinal) && e.Name.IndexOf('/') == e.Name.Length - 9).ToList();
        if (pkls.Count == 0)
            throw new InvalidDataException("zip archive without a <name>/data.pkl record: not a torch.save file" +
                                           (zip.Entries.Count > 0 ? $" (first entry '{zip.Entries[0].Name}')." : "."));
        if (pkls.Count > 1) throw new InvalidDataException($"zip archive holds {pkls.Count} data.pkl records ({string.Join(", ", pkls.Select(p => p.Name))}).");
        string prefix = pkls[0].Name[..^"data.pkl".Length];
        bool bigEndian = false;
        if (zip.Find(prefix + "byteorder") is { } bo)
        {
            var order = System.Text.Encoding.ASCII.GetString(zip.Read(bo, 16)).Trim();
            bigEndian = order switch
            {
                "little" => false,
                "big" => true,
                _ => throw new InvalidDataException($"unknown byteorder record '{order}'."),
            };
        }
        var resolver = new TorchPickleResolver(key =>
            zip.Find(prefix + "data/" + key)?.Size ?? throw new InvalidDataException($"storage '{key}' has no record {prefix}data/{key} in the archive."),
            stream.Length);
        var pickle = zip.Read(pkls[0]);
        var root = new Unpickler(PickleInput.FromBytes(pickle), resolver).Load();
        resolver.Materialize(s =>
        {
            var data = zip.Read(zip.Find(prefix + "data/" + s.Key)!);
            if (bigEndian) SwapBytes(data, s.DType);
            return data;
        });
        return root;
    }

    private static object? LoadLegacy(Stream stream)
    {
        var input = new PickleInput(stream, stream.Length);
        var magic = new Unpickler(input, null).Load();
        if (!(magic is BigInteger m && m == LegacyMagic))
            throw new InvalidDataException($"not a PyTorch checkpoint: a pickle of {PythonRepr.Format(magic, 60)}, not torch's magic number (a plain pickle or a TorchScript file?).");
        var protocol = new Unpickler(input, null).Load();
        if (protocol is not 1001L) throw new InvalidDataException($"unsupported legacy checkpoint protocol {PythonRepr.Format(protocol, 20)} (expected 1001).");
        var sysInfo = new Unpickler(input, null).Load();
        bool bigEndian = sysInfo is PythonDict info && info.TryGetValue("little_endian", out var le) && le is false;
        var resolver = new TorchPickleResolver(_ => input.Remaining, stream.Length);
        var root = new Unpickler(input, resolver).Load();
        var keys = new Unpickler(input, null).Load();
        if (keys is not List<object?> keyList) throw new InvalidDataException($"legacy checkpoint: the storage key list is {Unpickler.Describe(keys)}.");
        long pos = input.Position;
        Span<byte> header = new byte[8];   // not stackalloc: see PickleInput._scratch
        foreach (var k in keyList)
        {
            string key = k as string ?? throw new InvalidDataException($"legacy checkpoint: storage key {PythonRepr.Format(k, 30)} is not a string.");
            if (!resolver.Storages.TryGetValue(key, out var storage))
                throw new InvalidDataException($"legacy checkpoint: storage '{key}' is listed but never used by the pickled object.");
            if (stream.Length - pos < 8) throw new InvalidDataException($"legacy checkpoint truncated before storage '{key}'.");
            stream.Position = pos;
            stream.ReadExactly(header);
            long count = BinaryPrimitives.ReadInt64LittleEndian(header);
            if (bigEndian) count = BinaryPrimitives.ReadInt64BigEndian(header);
            if (count != storage.ElementCount)
                throw new InvalidDataException($"legacy checkpoint: storage '{key}' holds {count} elements, the pickle declared {storage.ElementCount}.");
            long bytes = storage.ByteLength;
            pos += 8;
            if (bytes > stream.Length - pos)
                throw new InvalidDataException($"legacy checkpoint truncated: storage '{key}' needs {bytes} bytes, {stream.Length - pos} left.");
            if (bytes > Array.MaxLength) throw new InvalidDataException($"storage '{key}' of {bytes} bytes is larger than a .NET array can hold.");
            var data = new byte[bytes];
            stream.ReadExactly(data);
            if (bigEndian) SwapBytes(data, storage.DType);
            storage.Data = data;
            pos += bytes;
        }
        resolver.Materialize(s => throw new InvalidDataException($"legacy checkpoint: storage '{s.Key}' is used but missing from the storage list."));
        return root;
    }

    internal static void SwapBytes(byte[] data, ScalarType t)
    {
        int w = t switch { ScalarType.Complex64 => 4, ScalarType.Complex128 => 8, _ => t.ElementSize() };
        if (w == 1) return;
        for (int i = 0; i + w <= data.Length; i += w) Array.Reverse(data, i, w);
    }

    /// <summary>
    /// Writes a state dict as a zip-format <c>.pt</c> file that <c>torch.load</c> (1.6 and later) reads back as an
    /// <c>OrderedDict</c> of tensors. The file is written to a temporary name beside <paramref name="path"/> and then
    /// renamed, so a failed write never leaves a half-written checkpoint.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, HostTensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        SaveGraph(path, stateDict, orderedRoot: true);
    }

    /// <summary>
    /// Writes a checkpoint object (for example <c>{"model": stateDict, "epoch": 3, "optimizer": {...}}</c>) as a zip-format
    /// <c>.pt</c> file. Values may be <see cref="HostTensor"/>, dictionaries (string or integer keys; <see cref="PythonDict"/>
    /// keeps its OrderedDict-ness), lists, <see cref="PythonTuple"/>, numbers, strings, bytes, bool and null.
    /// The top-level dictionary is written as a plain dict. Atomic like <see cref="Save(string, IReadOnlyDictionary{string, HostTensor})"/>.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, object?> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        SaveGraph(path, checkpoint, orderedRoot: false);
    }

    /// <summary>Writes a state dict (see <see cref="Save(string, IReadOnlyDictionary{string, HostTensor})"/>) to a stream.</summary>
    public static void Save(Stream stream, IReadOnlyDictionary<string, HostTensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        Write(stream, stateDict, orderedRoot: true);
    }

    /// <summary>Writes a checkpoint object (see <see cref="Save(string, IReadOnlyDictionary{string, object})"/>) to a stream.</summary>
    public static void Save(Stream stream, IReadOnlyDictionary<string, object?> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Write(stream, checkpoint, orderedRoot: false);
    }

    private static void SaveGraph(string path, object root, bool orderedRoot)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + ".tmp-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(fs, root, orderedRoot);
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

    private static void Write(Stream stream, object root, bool orderedRoot)
    {
        var pickler = new PickleWriter();
        var pickle = pickler.Write(root, orderedRoot);
        var zip = new ZipStoreWriter(stream.CanSeek ? stream : throw new ArgumentException("Checkpoints are written to a seekable stream.", nameof(stream)));
        const string prefix = "archive/";
        zip.Add(prefix + "data.pkl", pickle);
        zip.Add(prefix + "byteorder", "little"u8);
        for (int i = 0; i < pickler.Storages.Count; i++)
            zip.Add(prefix + "data/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), pickler.Storages[i].Data);
        zip.Add(prefix + "version", "3\n"u8);
        zip.Finish();
    }

    /// <summary>
    /// Every leaf of a loaded checkpoint with its path (dictionary keys and list indices joined by <c>.</c>), in order:
    /// tensors and the non-tensor values (numbers, strings, placeholders…). Empty containers are listed as leaves.
    /// Depth is bounded and shared or cyclic containers are visited once.
    /// </summary>
    public static IReadOnlyList<CheckpointEntry> Flatten(object? root)
    {
        var list = new List<CheckpointEntry>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(root, "", 0, list, seen);
        return list;
    }

    private static void Walk(object? v, string path, int depth, List<CheckpointEntry> list, HashSet<object> seen)
    {
        const int maxDepth = 64;
        IEnumerable<(string, object?)>? children = v switch
        {
            PythonDict d when d.Count > 0 => d.Items.Select(kv => (PythonDict.KeyText(kv.Key), kv.Value)),
            List<object?> l when l.Count > 0 => l.Select((x, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), x)),
            PythonTuple t when t.Count > 0 && t.Any(x => x is HostTensor or PythonDict or List<object?> or PythonTuple) =>
                t.Select((x, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), x)),
            _ => null,
        };
        if (children is null || depth >= maxDepth || !seen.Add(v!))
        {
            list.Add(new CheckpointEntry(path, v));
            return;
        }
        foreach (var (k, c) in children) Walk(c, path.Length == 0 ? k : path + "." + k, depth + 1, list, seen);
    }
}
