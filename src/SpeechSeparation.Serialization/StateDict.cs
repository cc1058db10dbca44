namespace SpeechSeparation.Serialization;

/// <summary>
/// Finds the model weights (name → tensor, in file order) inside checkpoints of any common shape: a bare state dict,
/// a training checkpoint wrapping it (<c>{'model': ...}</c>, <c>{'state_dict': ...}</c>, <c>{'mossformer': ...}</c>…),
/// a whole pickled <c>nn.Module</c>, or a safetensors file; optionally strips the <c>module.</c> prefix that
/// <c>nn.DataParallel</c>/<c>DistributedDataParallel</c> adds; and merges split checkpoints under key prefixes.
/// </summary>
public static class StateDict
{
    /// <summary>The prefix <c>nn.DataParallel</c> puts in front of every key.</summary>
    public const string DataParallelPrefix = "module.";

    private const int MaxSearchDepth = 4;
    private static readonly string[] PreferredKeys = ["state_dict", "model_state_dict", "model"];

    /// <summary>
    /// Loads a checkpoint file and returns its state dict (see <see cref="Extract"/>).
    /// </summary>
    /// <param name="path">A <c>torch.save</c> file (zip or legacy) or a safetensors file.</param>
    /// <param name="subKey">The key of the wrapped state dict (e.g. <c>model</c>); nested keys are separated by <c>/</c>.
    /// Null searches for it.</param>
    /// <param name="stripDataParallelPrefix">Remove <c>module.</c> when every key starts with it.</param>
    /// <exception cref="InvalidDataException">The file is damaged, holds no state dict, or holds several and
    /// <paramref name="subKey"/> was not given.</exception>
    public static IReadOnlyDictionary<string, HostTensor> Load(string path, string? subKey = null, bool stripDataParallelPrefix = true)
    {
        var root = TorchCheckpoint.Load(path);
        try { return Extract(root, subKey, stripDataParallelPrefix); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>
    /// Loads several checkpoint files into one state dict, putting <c>Prefix</c> in front of each file's keys — for
    /// split checkpoints such as ModelScope MossFormer's <c>encoder.bin</c> / <c>decoder.bin</c> / <c>masknet.bin</c>
    /// (prefixes <c>encoder.</c>, <c>decoder.</c>, <c>mask_net.</c>).
    /// </summary>
    /// <exception cref="InvalidDataException">A file is unreadable, or two files give the same key.</exception>
    public static IReadOnlyDictionary<string, HostTensor> LoadMany(IEnumerable<(string Path, string Prefix)> parts, bool stripDataParallelPrefix = true)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var merged = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (path, prefix) in parts)
        {
            foreach (var (k, v) in Load(path, null, stripDataParallelPrefix))
                if (!merged.TryAdd(prefix + k, v))
                    throw new InvalidDataException($"{path}: key '{prefix + k}' is already given by an earlier file.");
        }
        return merged;
    }

    /// <summary>
    /// Finds the state dict inside a loaded checkpoint: <paramref name="checkpoint"/> itself when all its values are
    /// tensors; else the shallowest nested dict whose values are all tensors (with several at that depth, the one under
    /// <c>state_dict</c>, <c>model_state_dict</c> or <c>model</c>); a pickled <c>nn.Module</c> is flattened to the names
    /// PyTorch's <c>state_dict()</c> would give.
    /// </summary>
    /// <exception cref="InvalidDataException">No state dict, an ambiguous choice without <paramref name="subKey"/>, or a
    /// <paramref name="subKey"/> that does not lead to one.</exception>
    public static IReadOnlyDictionary<string, HostTensor> Extract(object? checkpoint, string? subKey = null, bool stripDataParallelPrefix = true)
    {
        IReadOnlyDictionary<string, HostTensor> found;
        if (subKey is not null)
        {
            var node = Navigate(checkpoint, subKey);
            found = AsTensorDict(node) ?? throw new InvalidDataException(
                $"'{subKey}' is {Unpickler.Describe(node)}, not a dict of tensors.");
        }
        else found = Search(checkpoint);
        return stripDataParallelPrefix ? StripPrefix(found, DataParallelPrefix, onlyIfAll: true) : found;
    }

    /// <summary>Removes <paramref name="prefix"/> from keys; with <paramref name="onlyIfAll"/> only when every key has it.</summary>
    public static IReadOnlyDictionary<string, HostTensor> StripPrefix(IReadOnlyDictionary<string, HostTensor> stateDict, string prefix, bool onlyIfAll = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ArgumentNullException.ThrowIfNull(prefix);
        if (stateDict.Count == 0 || prefix.Length == 0) return stateDict;
        bool all = stateDict.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal));
        if (onlyIfAll && !all) return stateDict;
        var r = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (k, v) in stateDict)
        {
            var name = k.StartsWith(prefix, StringComparison.Ordinal) ? k[prefix.Length..] : k;
            if (!r.TryAdd(name, v)) throw new InvalidDataException($"removing '{prefix}' makes key '{name}' appear twice.");
        }
        return r;
    }

    /// <summary>Puts <paramref name="prefix"/> in front of every key.</summary>
    public static IReadOnlyDictionary<string, HostTensor> AddPrefix(IReadOnlyDictionary<string, HostTensor> stateDict, string prefix)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var r = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (k, v) in stateDict) r.Add(prefix + k, v);
        return r;
    }

    /// <summary>Total number of elements over all entries (parameters and buffers).</summary>
    public static long TotalElements(IReadOnlyDictionary<string, HostTensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        long n = 0;
        foreach (var t in stateDict.Values) n = checked(n + t.ElementCount);
        return n;
    }

    private static object? Navigate(object? root, string subKey)
    {
        if (root is PythonDict d && d.TryGetValue(subKey, out var direct)) return direct;
        object? node = root;
        foreach (var part in subKey.Split('/'))
        {
            node = node switch
            {
                PythonDict pd when pd.TryGetValue(part, out var v) => v,
                PythonObject { Attributes: { } attrs } when attrs.TryGetValue(part, out var v) => v,
                _ => throw new InvalidDataException($"the checkpoint has no entry '{subKey}' (top-level keys: {TopKeys(root)})."),
            };
        }
        return node;
    }

    private static string TopKeys(object? root) => root is PythonDict d ? string.Join(", ", d.Keys.Take(20)) : Unpickler.Describe(root);

    /// <summary>The dict as name → tensor when every value is a tensor (or the object is a pickled module); else null.</summary>
    private static IReadOnlyDictionary<string, HostTensor>? AsTensorDict(object? node)
    {
        switch (node)
        {
            case PythonDict d when d.Items.All(kv => kv.Value is HostTensor):
            {
                var r = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
                foreach (var kv in d.Items) r.TryAdd(PythonDict.KeyText(kv.Key), (HostTensor)kv.Value!);
                return r;
            }
            case PythonObject o when IsModule(o):
            {
                var r = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
                CollectModule(o, "", r, 0);
                return r;
            }
            default: return null;
        }
    }

    private static bool IsModule(PythonObject o) =>
        o.Attributes is { } a && a.TryGetValue("_parameters", out var p) && p is PythonDict && a.TryGetValue("_modules", out var m) && m is PythonDict;

    /// <summary>What <c>nn.Module.state_dict()</c> would return: own parameters, persistent buffers, then sub-modules.</summary>
    private static void CollectModule(PythonObject module, string prefix, OrderedDictionary<string, HostTensor> into, int depth)
    {
        if (depth > 64) throw new InvalidDataException("pickled module nested more than 64 levels deep.");
        var a = module.Attributes!;
        if (a.TryGetValue("_parameters", out var ps) && ps is PythonDict parameters)
            foreach (var kv in parameters.Items)
                if (kv.Value is HostTensor t) into.TryAdd(prefix + PythonDict.KeyText(kv.Key), t);
        var nonPersistent = a.TryGetValue("_non_persistent_buffers_set", out var np) && np is PythonSet set
            ? set.OfType<string>().ToHashSet(StringComparer.Ordinal) : [];
        if (a.TryGetValue("_buffers", out var bs) && bs is PythonDict buffers)
            foreach (var kv in buffers.Items)
                if (kv.Value is HostTensor t && !nonPersistent.Contains(PythonDict.KeyText(kv.Key)))
                    into.TryAdd(prefix + PythonDict.KeyText(kv.Key), t);
        if (a.TryGetValue("_modules", out var ms) && ms is PythonDict modules)
            foreach (var kv in modules.Items)
                if (kv.Value is PythonObject child && IsModule(child))
                    CollectModule(child, prefix + PythonDict.KeyText(kv.Key) + ".", into, depth + 1);
    }

    private static IReadOnlyDictionary<string, HostTensor> Search(object? root)
    {
        if (AsTensorDict(root) is { } direct) return direct;
        // Breadth-first over nested dicts (and the attributes of placeholder objects), shallowest level first.
        var level = new List<(string Path, object? Node)> { ("", root) };
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        for (int depth = 1; depth <= MaxSearchDepth && level.Count > 0; depth++)
        {
            var next = new List<(string, object?)>();
            var candidates = new List<(string Path, IReadOnlyDictionary<string, HostTensor> Dict)>();
            foreach (var (path, node) in level)
            {
                if (node is null || !seen.Add(node)) continue;
                IEnumerable<KeyValuePair<object?, object?>> children = node switch
                {
                    PythonDict d => d.Items,
                    PythonObject o when o.Attributes is { } attrs => attrs.Items,
                    _ => [],
                };
                foreach (var kv in children)
                {
                    string childPath = path.Length == 0 ? PythonDict.KeyText(kv.Key) : path + "/" + PythonDict.KeyText(kv.Key);
                    if (kv.Value is PythonDict { Count: > 0 } or PythonObject && AsTensorDict(kv.Value) is { Count: > 0 } sd)
                        candidates.Add((childPath, sd));
                    else if (kv.Value is PythonDict or PythonObject)
                        next.Add((childPath, kv.Value));
                }
            }
            if (candidates.Count == 1) return candidates[0].Dict;
            if (candidates.Count > 1)
            {
                foreach (var key in PreferredKeys)
                    if (candidates.FirstOrDefault(c => c.Path == key) is { Dict: not null } pick) return pick.Dict;
                throw new InvalidDataException(
                    $"the checkpoint holds several state dicts ({string.Join(", ", candidates.Select(c => $"'{c.Path}' ({c.Dict.Count} tensors)"))}); pass the one to use as subKey.");
            }
            level = next;
        }
        throw new InvalidDataException($"no state dict (a dict of tensors) found in the checkpoint; it holds {PythonRepr.Format(root, 160)}.");
    }
}
