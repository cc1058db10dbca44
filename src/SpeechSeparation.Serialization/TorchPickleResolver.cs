namespace SpeechSeparation.Serialization;

/// <summary>
/// The torch part of unpickling a checkpoint: turns <c>('storage', type, key, location, numel[, view])</c> persistent
/// ids into <see cref="TorchStorage"/> records and the <c>torch._utils._rebuild_*</c> calls into <see cref="HostTensor"/>
/// objects whose bytes are copied (to contiguous row-major order) once the storages have been read.
/// Sizes are validated against the file before anything is allocated.
/// </summary>
internal sealed class TorchPickleResolver : IPickleResolver
{
    /// <summary>A tensor may be larger than its storage only through zero strides; such expansions are capped.</summary>
    private const long MaxExpansionBytes = 1L << 30;

    private readonly Func<string, long> _availableBytes;
    private readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);
    private readonly List<(HostTensor Target, TorchStorage Storage, long Offset, long[] Stride)> _pending = [];
    private long _budget;

    /// <param name="availableBytes">The most bytes the file can hold for a storage key (throws for an unknown key).</param>
    /// <param name="fileLength">The file's length, which bounds the total size of the tensors built.</param>
    public TorchPickleResolver(Func<string, long> availableBytes, long fileLength)
    {
        _availableBytes = availableBytes;
        _budget = checked(4 * fileLength + MaxExpansionBytes);
    }

    /// <summary>Root storages referenced so far, by key.</summary>
    public IReadOnlyDictionary<string, TorchStorage> Storages => _storages;

    public object? PersistentLoad(object? pid)
    {
        if (pid is not PythonTuple t || t.Count < 5 || t[0] is not string tag || tag != "storage")
            throw new InvalidDataException($"unsupported persistent id {PythonRepr.Format(pid, 80)} (expected a ('storage', type, key, location, numel) tuple).");
        var dtype = StorageDType(t[1]);
        string key = t[2] switch
        {
            string s => s,
            long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new InvalidDataException($"storage key must be a string, not {Unpickler.Describe(t[2])}."),
        };
        if (t[4] is not long numel || numel < 0) throw new InvalidDataException($"storage '{key}': bad element count {PythonRepr.Format(t[4], 40)}.");
        var root = Declare(key, dtype, numel);
        if (t.Count >= 6 && t[5] is PythonTuple view)
        {
            // Legacy storage view: (view_key, offset, view_size) into the root storage.
            if (view.Count < 3 || view[0] is not string viewKey || view[1] is not long off || view[2] is not long viewSize ||
                off < 0 || viewSize < 0 || off > numel || viewSize > numel - off)
                throw new InvalidDataException($"storage '{key}': bad view {PythonRepr.Format(view, 80)} of a {numel}-element storage.");
            return new TorchStorage(viewKey, dtype, viewSize, root, off);
        }
        return root;
    }

    private TorchStorage Declare(string key, ScalarType dtype, long numel)
    {
        if (_storages.TryGetValue(key, out var existing))
        {
            if (existing.DType != dtype || existing.ElementCount != numel)
                throw new InvalidDataException($"storage '{key}' is declared twice, as {existing.ElementCount} {existing.DType.TorchName()} and as {numel} {dtype.TorchName()}.");
            return existing;
        }
        long bytes;
        try { bytes = checked(numel * dtype.ElementSize()); }
        catch (OverflowException) { throw new InvalidDataException($"storage '{key}': element count {numel} is absurd."); }
        long available = _availableBytes(key);
        if (bytes > available)
            throw new InvalidDataException($"storage '{key}' needs {bytes} bytes ({numel} {dtype.TorchName()}) but the file holds only {available} (truncated or corrupt).");
        var s = new TorchStorage(key, dtype, numel);
        _storages.Add(key, s);
        return s;
    }

    /// <summary>The element type a pickled storage type stands for.</summary>
    internal static ScalarType StorageDType(object? storageType)
    {
        if (storageType is not PythonGlobal g || !(g.Module is "torch" or "torch.cuda" or "torch.storage"))
            throw new InvalidDataException($"unsupported storage type {PythonRepr.Format(storageType, 60)}.");
        switch (g.Name)
        {
            case "FloatStorage": return ScalarType.Float32;
            case "DoubleStorage": return ScalarType.Float64;
            case "HalfStorage": return ScalarType.Float16;
            case "BFloat16Storage": return ScalarType.BFloat16;
            case "LongStorage": return ScalarType.Int64;
            case "IntStorage": return ScalarType.Int32;
            case "ShortStorage": return ScalarType.Int16;
            case "CharStorage": return ScalarType.Int8;
            case "ByteStorage": return ScalarType.UInt8;
            case "BoolStorage": return ScalarType.Bool;
            case "ComplexFloatStorage": return ScalarType.Complex64;
            case "ComplexDoubleStorage": return ScalarType.Complex128;
            case "UntypedStorage" or "_UntypedStorage" or "TypedStorage": return ScalarType.UInt8;
        }
        if (DTypeOf(g) is { } dt) return dt;
        throw new InvalidDataException($"unsupported storage type {g.FullName}.");
    }

    /// <summary>A <c>torch.float32</c>-style dtype global, or null.</summary>
    internal static ScalarType? DTypeOf(object? o)
    {
        if (o is not PythonGlobal { Module: "torch" } g) return null;
        try { return ScalarTypeInfo.Parse(g.Name); }
        catch (FormatException) { return null; }
    }

    public bool TryCall(PythonGlobal callable, IReadOnlyList<object?> args, out object? result)
    {
        result = null;
        switch (callable.Module, callable.Name)
        {
            case ("torch._utils", "_rebuild_tensor"):
            case ("torch._utils", "_rebuild_tensor_v2"):
                Need(args, 4, callable);
                result = Rebuild(args[0], args[1], args[2], args[3], null);
                return true;
            case ("torch._utils", "_rebuild_tensor_v3"):
                Need(args, 7, callable);
                result = Rebuild(args[0], args[1], args[2], args[3],
                    DTypeOf(args[6]) ?? throw new InvalidDataException($"_rebuild_tensor_v3: unsupported dtype {PythonRepr.Format(args[6], 40)}."));
                return true;
            case ("torch._utils", "_rebuild_parameter"):
            case ("torch._utils", "_rebuild_parameter_with_state"):
                Need(args, 1, callable);
                result = args[0];
                return true;
            case ("torch._tensor", "_rebuild_from_type_v2"):
            case ("torch._tensor", "_rebuild_from_type"):
                Need(args, 3, callable);
                if (args[0] is PythonGlobal inner && args[2] is IReadOnlyList<object?> innerArgs && TryCall(inner, innerArgs, out result))
                    return true;
                return false;
            case ("torch", "Size"):
                result = args.Count == 0 ? PythonTuple.Empty
                    : args[0] is IReadOnlyList<object?> dims ? new PythonTuple(dims)
                    : throw new InvalidDataException("torch.Size needs a sequence.");
                return true;
        }
        return false;
    }

    private static void Need(IReadOnlyList<object?> args, int n, PythonGlobal g)
    {
        if (args.Count < n) throw new InvalidDataException($"{g.FullName} called with {args.Count} arguments, needs at least {n}.");
    }

    private HostTensor Rebuild(object? storageObj, object? offsetObj, object? sizeObj, object? strideObj, ScalarType? dtype)
    {
        if (storageObj is not TorchStorage storage)
            throw new InvalidDataException($"tensor rebuilt from {Unpickler.Describe(storageObj)} instead of a storage.");
        if (offsetObj is not long offset || offset < 0) throw new InvalidDataException($"bad storage offset {PythonRepr.Format(offsetObj, 40)}.");
        var size = Longs(sizeObj, "size");
        var stride = Longs(strideObj, "stride");
        if (stride.Length != size.Length)
            throw new InvalidDataException($"tensor size ({string.Join(", ", size)}) and stride ({string.Join(", ", stride)}) differ in rank.");
        var type = dtype ?? storage.DType;
        if (type != storage.DType && storage.DType != ScalarType.UInt8)
            throw new InvalidDataException($"a {type.TorchName()} tensor cannot view a {storage.DType.TorchName()} storage.");
        int es = type.ElementSize();
        long storageBytes = storage.ByteLength;
        long numel, outBytes;
        try
        {
            numel = 1;
            foreach (var d in size) numel = checked(numel * d);
            outBytes = checked(numel * es);
            if (numel > 0)
            {
                long last = offset;
                for (int i = 0; i < size.Length; i++) last = checked(last + (size[i] - 1) * stride[i]);
                if (checked((last + 1) * es) > storageBytes)
                    throw new InvalidDataException($"tensor of size ({string.Join(", ", size)}), stride ({string.Join(", ", stride)}), offset {offset} reaches beyond its {storageBytes}-byte storage '{storage.Key}'.");
            }
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"tensor size ({string.Join(", ", size)}) / stride ({string.Join(", ", stride)}) overflows.");
        }
        if (outBytes > storageBytes && outBytes > MaxExpansionBytes)
            throw new InvalidDataException($"tensor of size ({string.Join(", ", size)}) would expand its {storageBytes}-byte storage to {outBytes} bytes; refused.");
        if (outBytes > Array.MaxLength) throw new InvalidDataException($"tensor of {outBytes} bytes is larger than a .NET array can hold.");
        _budget -= outBytes;
        if (_budget < 0) throw new InvalidDataException("the checkpoint's tensors add up to far more bytes than the file holds (shared-storage amplification); refused.");
        var target = new HostTensor(type, size, new byte[outBytes]);
        if (numel > 0) _pending.Add((target, storage, offset, stride));
        return target;
    }

    private static long[] Longs(object? o, string what)
    {
        if (o is not IReadOnlyList<object?> list) throw new InvalidDataException($"tensor {what} must be a tuple, not {Unpickler.Describe(o)}.");
        if (list.Count > 64) throw new InvalidDataException($"tensor {what} has {list.Count} dimensions.");
        var r = new long[list.Count];
        for (int i = 0; i < r.Length; i++)
            r[i] = list[i] is long v && v >= 0 ? v : throw new InvalidDataException($"tensor {what} entry {PythonRepr.Format(list[i], 30)} is not a non-negative integer.");
        return r;
    }

    /// <summary>Copies every rebuilt tensor's elements out of its storage; <paramref name="readRoot"/> supplies a root storage's bytes.</summary>
    public void Materialize(Func<TorchStorage, byte[]> readRoot)
    {
        // Release each storage's bytes after its last tensor, so that peak memory stays near the tensors' own size.
        var uses = new Dictionary<TorchStorage, int>(ReferenceEqualityComparer.Instance);
        foreach (var p in _pending) uses[p.Storage.Root ?? p.Storage] = uses.GetValueOrDefault(p.Storage.Root ?? p.Storage) + 1;
        foreach (var (target, storage, offset, stride) in _pending)
        {
            var root = storage.Root ?? storage;
            root.Data ??= readRoot(root);
            if (root.Data.LongLength < root.ByteLength)
                throw new InvalidDataException($"storage '{root.Key}' holds {root.Data.LongLength} bytes, needs {root.ByteLength}.");
            long baseByte = storage.RootElementOffset * root.DType.ElementSize();
            CopyStrided(root.Data, baseByte, offset, target.Shape, stride, target.DType.ElementSize(), target.Data);
            if (--uses[root] == 0) root.Data = null;
        }
        _pending.Clear();
    }

    private static void CopyStrided(byte[] src, long baseByte, long offset, long[] size, long[] stride, int es, byte[] dst)
    {
        int nd = size.Length;
        if (nd == 0)
        {
            Buffer.BlockCopy(src, checked((int)(baseByte + offset * es)), dst, 0, es);
            return;
        }
        long inner = size[nd - 1], innerStride = stride[nd - 1];
        long rows = dst.LongLength / es / Math.Max(inner, 1);
        var idx = new long[nd - 1];
        long o = 0;
        for (long r = 0; r < rows; r++)
        {
            long s = offset;
            for (int d = 0; d < nd - 1; d++) s += idx[d] * stride[d];
            long sb = baseByte + s * es;
            if (innerStride == 1 || inner == 1)
            {
                Buffer.BlockCopy(src, checked((int)sb), dst, checked((int)o), checked((int)(inner * es)));
                o += inner * es;
            }
            else
            {
                for (long i = 0; i < inner; i++, o += es)
                    Buffer.BlockCopy(src, checked((int)(sb + i * innerStride * es)), dst, checked((int)o), es);
            }
            for (int d = nd - 2; d >= 0; d--)
            {
                if (++idx[d] < size[d]) break;
                idx[d] = 0;
            }
        }
    }
}
