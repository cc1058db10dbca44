using SpeechSeparation.Serialization;

namespace SpeechSeparation.Tensors.NN;

/// <summary>
/// Base of every layer and model, mirroring <c>torch.nn.Module</c>: parameters, buffers and sub-modules are registered
/// by name, so <see cref="StateDict"/> produces exactly PyTorch's dotted keys (<c>layers.0.norm.weight</c>) and
/// <see cref="LoadStateDict(IReadOnlyDictionary{string, Tensor}, bool)"/> loads real PyTorch checkpoints.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Parameter?>> _parameters = [];
    private readonly List<(string Name, Tensor? Tensor, bool Persistent)> _buffers = [];
    private readonly List<KeyValuePair<string, Module>> _modules = [];
    private readonly HashSet<string> _keepDtype = [];
    private bool _disposed;

    /// <summary>True in training mode (dropout active, batch norm uses batch statistics).</summary>
    public bool Training { get; private set; } = true;

    // ---- registration ----

    /// <summary>Registers a sub-module under <paramref name="name"/> (its keys become <c>name.*</c>).</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name);
        _modules.Add(new(name, module));
        return module;
    }

    /// <summary>Registers a parameter (null registers the name without a tensor, like PyTorch's <c>bias=None</c>).</summary>
    protected Parameter? RegisterParameter(string name, Parameter? parameter)
    {
        CheckName(name);
        _parameters.Add(new(name, parameter));
        return parameter;
    }

    /// <summary>Registers a buffer: saved in the state dict when <paramref name="persistent"/>, moved by <see cref="To(Device, ScalarType?)"/>.</summary>
    protected Tensor RegisterBuffer(string name, Tensor buffer, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        CheckName(name);
        buffer.DetachFromDisposeScope();
        _buffers.Add((name, buffer, persistent));
        return buffer;
    }

    /// <summary>
    /// Marks this module's own parameter or buffer <paramref name="name"/> as keeping its dtype through
    /// <see cref="To(ScalarType)"/> and <see cref="To(Device, ScalarType?)"/> (it still moves between devices). For
    /// tensors whose precision matters more than their type matching the rest of the model, such as frequency tables of
    /// position encodings, which the module then converts to its input's dtype after using them.
    /// </summary>
    /// <exception cref="ArgumentException">No parameter or buffer of that name is registered on this module.</exception>
    protected void KeepDtype(string name)
    {
        if (!_parameters.Any(p => p.Key == name) && !_buffers.Any(b => b.Name == name))
            throw new ArgumentException($"{GetType().Name} has no parameter or buffer '{name}'.", nameof(name));
        _keepDtype.Add(name);
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"Invalid member name '{name}': must be non-empty and contain no '.'.", nameof(name));
        if (_parameters.Any(p => p.Key == name) || _buffers.Any(b => b.Name == name) || _modules.Any(m => m.Key == name))
            throw new ArgumentException($"'{name}' is already registered on {GetType().Name}.", nameof(name));
    }

    // ---- traversal ----

    /// <summary>Direct sub-modules with their names, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _modules.Select(m => (m.Key, m.Value));

    /// <summary>This module and every descendant, with dotted names (this one's name is empty).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, m) in _modules)
            foreach (var x in m.NamedModules(Join(prefix, name)))
                yield return x;
    }

    /// <summary>
    /// Every parameter with its dotted name, in PyTorch's order. A parameter reachable under several names (a sub-module
    /// registered twice, e.g. under its own name and in a ModuleList alias) is listed once, under its first name, as
    /// PyTorch's <c>named_parameters()</c> does (the state dict still lists every name).
    /// </summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(string prefix = "")
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var x in AllNamedParameters(prefix))
            if (seen.Add(x.Parameter)) yield return x;
    }

    private IEnumerable<(string Name, Parameter Parameter)> AllNamedParameters(string prefix)
    {
        foreach (var (name, p) in _parameters)
            if (p is not null) yield return (Join(prefix, name), p);
        foreach (var (name, m) in _modules)
            foreach (var x in m.AllNamedParameters(Join(prefix, name)))
                yield return x;
    }

    /// <summary>Every parameter.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Every buffer with its dotted name (persistent and not).</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b, _) in _buffers)
            if (b is not null) yield return (Join(prefix, name), b);
        foreach (var (name, m) in _modules)
            foreach (var x in m.NamedBuffers(Join(prefix, name)))
                yield return x;
    }

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount() => Parameters().Sum(p => p.numel());

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ---- modes ----

    /// <summary>Sets training mode on this module and every descendant.</summary>
    public Module Train(bool on = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = on;
        return this;
    }

    /// <summary>Sets evaluation mode (dropout off, batch norm uses running statistics).</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.grad = null;
    }

    // ---- state dict ----

    /// <summary>
    /// Parameters and persistent buffers by dotted name, in PyTorch's order (a module's own parameters, then its buffers,
    /// then each child's). The tensors are the live parameters (not copies).
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        Collect(d, "");
        return d;
    }

    private void Collect(Dictionary<string, Tensor> d, string prefix)
    {
        foreach (var (name, p) in _parameters)
            if (p is not null) d[Join(prefix, name)] = p;
        foreach (var (name, b, persistent) in _buffers)
            if (b is not null && persistent) d[Join(prefix, name)] = b;
        foreach (var (name, m) in _modules) m.Collect(d, Join(prefix, name));
    }

    /// <summary>The state dict copied to managed memory (for saving).</summary>
    public Dictionary<string, HostTensor> StateDictToHost() => StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToHost());

    /// <summary>
    /// Copies values into the parameters and buffers by name. Shape mismatches always raise (as in PyTorch);
    /// with <paramref name="strict"/>, missing or unexpected keys raise too. The exception lists every offending key.
    /// </summary>
    /// <exception cref="StateDictMismatchException">Keys are missing, unexpected (strict) or mis-shaped.</exception>
    public StateDictLoadResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateDict();
        var missing = own.Keys.Where(k => !stateDict.ContainsKey(k)).ToList();
        var unexpected = stateDict.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var misShaped = new List<string>();
        foreach (var (k, t) in own)
        {
            if (!stateDict.TryGetValue(k, out var src)) continue;
            var a = t.shape;
            var b = src.shape;
            if (!a.AsSpan().SequenceEqual(b))
                misShaped.Add($"{k}: checkpoint [{string.Join(", ", b)}], model [{string.Join(", ", a)}]");
        }
        var result = new StateDictLoadResult(missing, unexpected, misShaped);
        if (misShaped.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new StateDictMismatchException(GetType().Name, result);
        using (torch.no_grad())
        {
            foreach (var (k, t) in own)
                if (stateDict.TryGetValue(k, out var src)) t.copy_(src);
        }
        return result;
    }

    /// <summary>Loads a state dict read from a checkpoint file (see <see cref="LoadStateDict(IReadOnlyDictionary{string, Tensor}, bool)"/>).</summary>
    public StateDictLoadResult LoadStateDict(IReadOnlyDictionary<string, HostTensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (k, h) in stateDict) tensors[k] = Tensor.FromHost(h).DetachFromDisposeScope();
            return LoadStateDict(tensors, strict);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    // ---- device / dtype ----

    /// <summary>
    /// Moves every parameter and buffer to <paramref name="device"/> and, for floating-point tensors, converts to
    /// <paramref name="dtype"/> (except members marked with <see cref="KeepDtype"/>). Parameter objects keep their identity
    /// (optimisers holding them stay valid).
    /// </summary>
    public Module To(Device device, ScalarType? dtype = null)
    {
        foreach (var (_, m) in NamedModules())
        {
            foreach (var (name, p) in m._parameters)
                if (p is not null) Move(p, device, m._keepDtype.Contains(name) ? null : dtype);
            foreach (var (name, b, _) in m._buffers)
                if (b is not null) Move(b, device, m._keepDtype.Contains(name) ? null : dtype);
        }
        return this;
    }

    /// <summary>
    /// Converts floating-point parameters and buffers to <paramref name="dtype"/> on their current device, as
    /// <c>torch.nn.Module.to(dtype)</c>: integer and boolean tensors are untouched, and so are members a module marked
    /// with <see cref="KeepDtype"/>. Parameter objects keep their identity.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating-point type.</exception>
    public Module To(ScalarType dtype)
    {
        if (!IsFloating(dtype))
            throw new ArgumentException($"Module.To(dtype) expects a floating-point dtype, got {dtype}.", nameof(dtype));
        foreach (var (_, m) in NamedModules())
        {
            foreach (var (name, p) in m._parameters)
                if (p is not null && !m._keepDtype.Contains(name)) Move(p, p.device, dtype);
            foreach (var (name, b, _) in m._buffers)
                if (b is not null && !m._keepDtype.Contains(name)) Move(b, b.device, dtype);
        }
        return this;
    }

    private static void Move(Tensor t, Device device, ScalarType? dtype)
    {
        var cur = t.dtype;
        var target = dtype is { } d && IsFloating(cur) && IsFloating(d) ? d : cur;
        if (t.device == device && target == cur) return;
        bool rg = t.requires_grad;
        using var moved = t.detach().to(device, target).DetachFromDisposeScope();
        var handle = Native.NativeMethods.sst_detach(moved.Handle);
        t.ReplaceHandle(handle);
        if (rg) t.requires_grad = true;
    }

    private static bool IsFloating(ScalarType t) => t is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;

    // ---- disposal ----

    /// <summary>Frees every parameter and buffer of this module and its descendants.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees native memory.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (!disposing) return;
        foreach (var (_, p) in _parameters) p?.Dispose();
        foreach (var (_, b, _) in _buffers) b?.Dispose();
        foreach (var (_, m) in _modules) m.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}({ParameterCount():N0} parameters)";
}

/// <summary>A module with one input and one output, called with <see cref="Forward"/>.</summary>
public abstract class Module<TIn, TOut> : Module
{
    /// <summary>Runs the module.</summary>
    public abstract TOut Forward(TIn input);
}

/// <summary>Keys that did not line up when loading a state dict.</summary>
/// <param name="MissingKeys">In the model, absent from the checkpoint.</param>
/// <param name="UnexpectedKeys">In the checkpoint, absent from the model.</param>
/// <param name="MisShapedKeys">Present in both with different shapes (name and both shapes).</param>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys, IReadOnlyList<string> MisShapedKeys);

/// <summary>A checkpoint that does not fit the model; the message lists every offending key.</summary>
public sealed class StateDictMismatchException : Exception
{
    /// <summary>Creates the exception for a model type and the mismatch.</summary>
    public StateDictMismatchException(string model, StateDictLoadResult result) : base(Describe(model, result)) => Result = result;

    /// <summary>The keys that did not line up.</summary>
    public StateDictLoadResult Result { get; }

    private static string Describe(string model, StateDictLoadResult r)
    {
        var sb = new System.Text.StringBuilder($"Error(s) loading state dict for {model}:");
        void List(string title, IReadOnlyList<string> keys)
        {
            if (keys.Count == 0) return;
            sb.Append($"\n  {title} ({keys.Count}): ");
            sb.Append(string.Join(", ", keys.Take(50)));
            if (keys.Count > 50) sb.Append($", … ({keys.Count - 50} more)");
        }
        List("missing keys", r.MissingKeys);
        List("unexpected keys", r.UnexpectedKeys);
        List("size mismatch", r.MisShapedKeys);
        return sb.ToString();
    }
}
