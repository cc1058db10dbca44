using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Text;

namespace SpeechSeparation.Serialization;

/// <summary>
/// Writes an object graph as a protocol-2 pickle the way <c>torch.save</c> does: tensors as
/// <c>torch._utils._rebuild_tensor_v2</c> calls over persistent-id storages (one storage per tensor, keys "0", "1", …),
/// <see cref="PythonDict"/> ordered dicts as <c>collections.OrderedDict</c>, bytes through <c>_codecs.encode</c>.
/// </summary>
internal sealed class PickleWriter
{
    private const int MaxDepth = 256;
    private const int Batch = 1000;
    private readonly MemoryStream _out = new();
    private readonly Dictionary<string, int> _globals = new(StringComparer.Ordinal);
    private readonly List<HostTensor> _storages = [];
    private readonly HashSet<object> _active = new(ReferenceEqualityComparer.Instance);

    /// <summary>Tensors in storage-key order (key = index).</summary>
    public IReadOnlyList<HostTensor> Storages => _storages;

    /// <summary>Pickles <paramref name="root"/> (protocol 2) and returns the bytes.</summary>
    public byte[] Write(object? root, bool orderedRoot)
    {
        _out.WriteByte(0x80);
        _out.WriteByte(2);
        Save(root, "", 0, orderedRoot);
        _out.WriteByte((byte)'.');
        return _out.ToArray();
    }

    private void Op(byte op) => _out.WriteByte(op);

    private void Save(object? v, string path, int depth, bool ordered = false)
    {
        if (depth > MaxDepth) throw new ArgumentException($"checkpoint object nested deeper than {MaxDepth} levels at '{path}'.");
        switch (v)
        {
            case null: Op((byte)'N'); return;
            case bool b: Op(b ? (byte)0x88 : (byte)0x89); return;
            case long l: SaveLong(l); return;
            case int i: SaveLong(i); return;
            case short s: SaveLong(s); return;
            case sbyte sb: SaveLong(sb); return;
            case byte by: SaveLong(by); return;
            case ushort us: SaveLong(us); return;
            case uint ui: SaveLong(ui); return;
            case ulong ul: SaveBig(ul); return;
            case BigInteger bi: SaveBig(bi); return;
            case double d: SaveDouble(d); return;
            case float f: SaveDouble(f); return;
            case Half h: SaveDouble((double)h); return;
            case decimal m: SaveDouble((double)m); return;
            case Complex c:
                Global("builtins", "complex");
                SaveDouble(c.Real); SaveDouble(c.Imaginary);
                Op(0x86); Op((byte)'R');
                return;
            case string str: SaveString(str); return;
            case byte[] bytes: SaveBytes(bytes); return;
            case HostTensor t: SaveTensor(t); return;
            case PythonGlobal g: Global(g.Module, g.Name); return;
        }
        if (!_active.Add(v)) throw new ArgumentException($"checkpoint object refers to itself at '{path}'.");
        try
        {
            switch (v)
            {
                case PythonDict pd:
                    SaveDict(pd.Items, pd.IsOrdered, path, depth);
                    if (pd.Attributes is { Count: > 0 } attrs)
                    {
                        SaveDict(attrs.Items, false, path, depth);
                        Op((byte)'b');
                    }
                    return;
                case PythonTuple tuple: SaveTuple(tuple, path, depth); return;
                case PythonSet set:
                    Global("builtins", set.IsFrozen ? "frozenset" : "set");
                    SaveList(set, path, depth);
                    Op(0x85); Op((byte)'R');
                    return;
                case PythonObject o:
                    Global(o.Module, o.Name);
                    SaveTuple(o.Arguments, path, depth);
                    Op((byte)'R');
                    if (o.ListItems.Count > 0)
                    {
                        Op((byte)'(');
                        for (int i = 0; i < o.ListItems.Count; i++) Save(o.ListItems[i], $"{path}[{i}]", depth + 1);
                        Op((byte)'e');
                    }
                    if (o.DictItems is { Count: > 0 } di) SetItems(di.Items, path, depth);
                    if (o.State is not null)
                    {
                        Save(o.State, path + ".__state__", depth + 1);
                        Op((byte)'b');
                    }
                    return;
                case IDictionary dict:
                {
                    var items = new List<KeyValuePair<object?, object?>>();
                    foreach (DictionaryEntry e in dict) items.Add(new(e.Key, e.Value));
                    SaveDict(items, ordered, path, depth);
                    return;
                }
                case IEnumerable<KeyValuePair<string, HostTensor>> tensors:
                    SaveDict(tensors.Select(kv => new KeyValuePair<object?, object?>(kv.Key, kv.Value)).ToList(), ordered, path, depth);
                    return;
                case IEnumerable<KeyValuePair<string, object?>> map:
                    SaveDict(map.Select(kv => new KeyValuePair<object?, object?>(kv.Key, kv.Value)).ToList(), ordered, path, depth);
                    return;
                case Array arr when arr.Rank == 1:
                    SaveList(arr.Cast<object?>().ToList(), path, depth);
                    return;
                case IList list:
                    SaveList(list.Cast<object?>().ToList(), path, depth);
                    return;
                default:
                    throw new ArgumentException($"cannot save a {v.GetType().FullName} at '{path}' in a checkpoint (supported: tensors, dictionaries, lists, tuples, numbers, strings, bytes, bool, null).");
            }
        }
        finally
        {
            _active.Remove(v);
        }
    }

    private void SaveDict(IReadOnlyList<KeyValuePair<object?, object?>> items, bool ordered, string path, int depth)
    {
        if (ordered)
        {
            Global("collections", "OrderedDict");
            Op((byte)')');
            Op((byte)'R');
        }
        else Op((byte)'}');
        SetItems(items, path, depth);
    }

    private void SetItems(IReadOnlyList<KeyValuePair<object?, object?>> items, string path, int depth)
    {
        for (int start = 0; start < items.Count; start += Batch)
        {
            int end = Math.Min(items.Count, start + Batch);
            Op((byte)'(');
            for (int i = start; i < end; i++)
            {
                var key = items[i].Key;
                if (key is not (null or string or long or int or bool or double or PythonTuple))
                    throw new ArgumentException($"dictionary key of type {key.GetType().Name} at '{path}' cannot be pickled.");
                Save(key, path, depth + 1);
                Save(items[i].Value, path.Length == 0 ? PythonDict.KeyText(key) : path + "." + PythonDict.KeyText(key), depth + 1);
            }
            Op((byte)'u');
        }
    }

    private void SaveList(IReadOnlyList<object?> items, string path, int depth)
    {
        Op((byte)']');
        for (int start = 0; start < items.Count; start += Batch)
        {
            int end = Math.Min(items.Count, start + Batch);
            Op((byte)'(');
            for (int i = start; i < end; i++) Save(items[i], $"{path}[{i}]", depth + 1);
            Op((byte)'e');
        }
    }

    private void SaveTuple(IReadOnlyList<object?> items, string path, int depth)
    {
        switch (items.Count)
        {
            case 0: Op((byte)')'); return;
            case <= 3:
                for (int i = 0; i < items.Count; i++) Save(items[i], $"{path}[{i}]", depth + 1);
                Op((byte)(0x84 + items.Count));
                return;
            default:
                Op((byte)'(');
                for (int i = 0; i < items.Count; i++) Save(items[i], $"{path}[{i}]", depth + 1);
                Op((byte)'t');
                return;
        }
    }

    private void SaveTensor(HostTensor t)
    {
        string key = _storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _storages.Add(t);
        Global("torch._utils", "_rebuild_tensor_v2");
        Op((byte)'(');
        // persistent id: ('storage', torch.XStorage, key, 'cpu', numel)
        Op((byte)'(');
        SaveString("storage");
        Global("torch", StorageTypeName(t.DType));
        SaveString(key);
        SaveString("cpu");
        SaveLong(t.ElementCount);
        Op((byte)'t');
        Op((byte)'Q');
        SaveLong(0);
        var shape = t.Shape.Select(d => (object?)d).ToArray();
        var stride = new object?[t.Shape.Length];
        long s = 1;
        for (int i = t.Shape.Length - 1; i >= 0; i--) { stride[i] = s; s *= Math.Max(t.Shape[i], 1); }
        SaveTuple(shape, "", 0);
        SaveTuple(stride, "", 0);
        Op(0x89); // requires_grad False
        Global("collections", "OrderedDict");
        Op((byte)')');
        Op((byte)'R'); // backward hooks
        Op((byte)'t');
        Op((byte)'R');
    }

    /// <summary>The legacy storage class torch pickles for a dtype.</summary>
    internal static string StorageTypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "FloatStorage",
        ScalarType.Float64 => "DoubleStorage",
        ScalarType.Float16 => "HalfStorage",
        ScalarType.BFloat16 => "BFloat16Storage",
        ScalarType.Int64 => "LongStorage",
        ScalarType.Int32 => "IntStorage",
        ScalarType.Int16 => "ShortStorage",
        ScalarType.Int8 => "CharStorage",
        ScalarType.UInt8 => "ByteStorage",
        ScalarType.Bool => "BoolStorage",
        ScalarType.Complex64 => "ComplexFloatStorage",
        ScalarType.Complex128 => "ComplexDoubleStorage",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    private void Global(string module, string name)
    {
        string full = module + "\n" + name + "\n";
        if (_globals.TryGetValue(full, out int m))
        {
            if (m < 256) { Op((byte)'h'); Op((byte)m); }
            else { Op((byte)'j'); WriteUInt32((uint)m); }
            return;
        }
        Op((byte)'c');
        _out.Write(Encoding.UTF8.GetBytes(full));
        m = _globals.Count;
        _globals.Add(full, m);
        if (m < 256) { Op((byte)'q'); Op((byte)m); }
        else { Op((byte)'r'); WriteUInt32((uint)m); }
    }

    private void SaveLong(long v)
    {
        if (v >= 0 && v < 256) { Op((byte)'K'); Op((byte)v); }
        else if (v >= 0 && v < 65536) { Op((byte)'M'); Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); _out.Write(b); }
        else if (v >= int.MinValue && v <= int.MaxValue) { Op((byte)'J'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); _out.Write(b); }
        else SaveBig(v);
    }

    private void SaveBig(BigInteger v)
    {
        if (v >= int.MinValue && v <= int.MaxValue) { SaveLong((long)v); return; }
        var bytes = v.ToByteArray(isUnsigned: false, isBigEndian: false);
        if (bytes.Length < 256) { Op(0x8a); Op((byte)bytes.Length); }
        else { Op(0x8b); WriteUInt32((uint)bytes.Length); }
        _out.Write(bytes);
    }

    private void SaveDouble(double d)
    {
        Op((byte)'G');
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, d);
        _out.Write(b);
    }

    private void SaveString(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        Op((byte)'X');
        WriteUInt32((uint)b.Length);
        _out.Write(b);
    }

    private void SaveBytes(byte[] bytes)
    {
        // Protocol 2 has no bytes opcode that Python 3 reads back as bytes: use _codecs.encode(latin-1 text, 'latin1').
        if (bytes.Length == 0)
        {
            Global("builtins", "bytes");
            Op((byte)')');
            Op((byte)'R');
            return;
        }
        Global("_codecs", "encode");
        SaveString(Encoding.Latin1.GetString(bytes));
        SaveString("latin1");
        Op(0x86);
        Op((byte)'R');
    }

    private void WriteUInt32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        _out.Write(b);
    }
}
