using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Training;

/// <summary>
/// Base of the optimisers, mirroring <c>torch.optim.Optimizer</c> (PyTorch 1.13): parameter groups with hyper-parameters,
/// per-parameter state, <see cref="ZeroGrad"/>, <see cref="Step"/> (run under <c>no_grad</c> with in-place tensor
/// updates), and a PyTorch-shaped <see cref="StateDict"/> (<c>{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}</c>)
/// that <c>torch.optim.X.load_state_dict</c> accepts. State tensors are owned by the optimiser; dispose it to free them.
/// </summary>
public abstract class Optimizer : IStateful, IDisposable
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<Parameter, Dictionary<string, object?>> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates the optimiser over parameter groups with default hyper-parameters (PyTorch names).</summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, IReadOnlyDictionary<string, object?> defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Defaults = new Dictionary<string, object?>(defaults);
        foreach (var g in groups) AddParamGroup(g);
        if (_groups.Count == 0) throw new ArgumentException("The optimiser got an empty parameter list.", nameof(groups));
    }

    /// <summary>The default hyper-parameters, filled into groups that do not set them.</summary>
    public IReadOnlyDictionary<string, object?> Defaults { get; }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>Adds a group, filling missing options from <see cref="Defaults"/>; a parameter may belong to one group only.</summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Parameters.Count == 0) throw new ArgumentException("A parameter group must hold at least one parameter.", nameof(group));
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var g in _groups) foreach (var p in g.Parameters) seen.Add(p);
        foreach (var p in group.Parameters)
            if (!seen.Add(p)) throw new ArgumentException("Some parameters appear in more than one parameter group (or twice in one).", nameof(group));
        foreach (var (k, v) in Defaults)
        {
            if (group.Options.ContainsKey(k)) continue;
            if (v is Required) throw new ArgumentException($"Parameter group didn't specify a value of required optimisation parameter '{k}'.", nameof(group));
            group.Options[k] = v;
        }
        Validate(group);
        _groups.Add(group);
    }

    /// <summary>Checks a group's hyper-parameters (throws <see cref="ArgumentOutOfRangeException"/> for invalid values).</summary>
    protected virtual void Validate(ParamGroup group) { }

    /// <summary>
    /// Clears the gradients: zeroes them in place (PyTorch 1.13's default) or, with <paramref name="setToNone"/>, drops them
    /// (then parameters without a gradient are skipped by the next step).
    /// </summary>
    public void ZeroGrad(bool setToNone = false)
    {
        foreach (var g in _groups)
            foreach (var p in g.Parameters)
            {
                if (setToNone)
                {
                    p.grad = null;
                    continue;
                }
                using var grad = p.grad;
                grad?.zero_();
            }
    }

    /// <summary>Performs one optimisation step over every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        foreach (var g in _groups) StepGroup(g);
        StepCount++;
    }

    /// <summary>Updates one group's parameters (called under <c>no_grad</c> inside a dispose scope).</summary>
    protected abstract void StepGroup(ParamGroup group);

    /// <summary>The state of a parameter (created empty on first use). Tensors stored here must be detached from dispose scopes.</summary>
    protected Dictionary<string, object?> StateOf(Parameter p)
    {
        if (!_state.TryGetValue(p, out var s)) _state[p] = s = [];
        return s;
    }

    /// <summary>Whether a parameter has state yet.</summary>
    protected bool HasState(Parameter p) => _state.ContainsKey(p);

    /// <summary>A state tensor owned by the optimiser (zeros like <paramref name="like"/>, no dispose scope).</summary>
    protected static Tensor NewStateTensor(Tensor like) => torch.zeros_like(like).DetachFromDisposeScope();

    /// <summary>
    /// The state in PyTorch's layout: <c>state</c> maps the running index of each parameter (over all groups, in order) to its
    /// state (tensors copied to host memory; <c>step</c> as a float32 0-d tensor like PyTorch 1.13); <c>param_groups</c>
    /// lists each group's options with <c>params</c> = the indices.
    /// </summary>
    public Dictionary<string, object?> StateDict()
    {
        var state = new PythonDict();
        var groups = new List<object?>();
        long index = 0;
        foreach (var g in _groups)
        {
            var packed = new Dictionary<string, object?>();
            foreach (var (k, v) in g.Options) packed[k] = PyConvert.ToPython(v);
            var ids = new List<object?>();
            foreach (var p in g.Parameters)
            {
                if (_state.TryGetValue(p, out var s))
                {
                    var entry = new Dictionary<string, object?>();
                    foreach (var (k, v) in s)
                        entry[k] = v switch
                        {
                            Tensor t => t.ToHost(),
                            double d when k == "step" => HostTensor.FromFloats([(float)d]),
                            _ => PyConvert.ToPython(v),
                        };
                    state.Set(index, entry);
                }
                ids.Add(index++);
            }
            packed["params"] = ids;
            groups.Add(packed);
        }
        return new Dictionary<string, object?> { ["state"] = state, ["param_groups"] = groups };
    }

    /// <summary>
    /// Restores a state dict (from <see cref="StateDict"/> or a PyTorch checkpoint of the same optimiser): group options are
    /// replaced by the saved ones (options missing from the file take the optimiser's defaults), state tensors are copied to each parameter's device (floating ones in its dtype).
    /// </summary>
    /// <exception cref="InvalidDataException">The group structure does not match this optimiser's.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, object?> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var savedGroups = PyConvert.ToList(PyConvert.Get(stateDict, "param_groups", "optimizer state"), "param_groups");
        if (savedGroups.Count != _groups.Count)
            throw new InvalidDataException($"loaded state dict has {savedGroups.Count} parameter groups, the optimiser has {_groups.Count}.");
        var byIndex = new Dictionary<long, Parameter>();
        var newOptions = new List<Dictionary<string, object?>>();
        for (int gi = 0; gi < _groups.Count; gi++)
        {
            var saved = PyConvert.ToDict(savedGroups[gi], $"param_groups[{gi}]");
            var ids = PyConvert.ToList(PyConvert.Get(saved, "params", $"param_groups[{gi}]"), $"param_groups[{gi}].params");
            if (ids.Count != _groups[gi].Parameters.Count)
                throw new InvalidDataException($"loaded state dict contains a parameter group ({gi}) of {ids.Count} parameters that doesn't match the size of the optimiser's group ({_groups[gi].Parameters.Count}).");
            for (int i = 0; i < ids.Count; i++) byIndex[PyConvert.ToLong(ids[i], "params")] = _groups[gi].Parameters[i];
            var opts = new Dictionary<string, object?>();
            foreach (var (k, v) in saved)
                if (k != "params") opts[k] = FromPython(v);
            newOptions.Add(opts);
        }
        var savedState = PyConvert.ToDict(PyConvert.Get(stateDict, "state", "optimizer state"), "state");
        ClearState();
        foreach (var (key, value) in savedState)
        {
            if (!long.TryParse(key, out var id) || !byIndex.TryGetValue(id, out var p)) continue;
            var s = StateOf(p);
            foreach (var (k, v) in PyConvert.ToDict(value, $"state[{key}]"))
                s[k] = v switch
                {
                    HostTensor h when k == "step" => h.ToDoubleArray()[0],
                    HostTensor h => ToParamLike(h, p),
                    Tensor t => CopyLike(t, p),
                    long l when k == "step" => (double)l,
                    _ => FromPython(v),
                };
        }
        for (int gi = 0; gi < _groups.Count; gi++)
        {
            _groups[gi].Options.Clear();
            foreach (var (k, v) in newOptions[gi]) _groups[gi].Options[k] = v;
            foreach (var (k, v) in Defaults)                      // options an older writer did not save
                if (!_groups[gi].Options.ContainsKey(k) && v is not Required) _groups[gi].Options[k] = v;
        }
    }

    private static object? FromPython(object? v) => v switch
    {
        PythonTuple t when t.Count == 2 => (PyConvert.ToDouble(t[0], "tuple"), PyConvert.ToDouble(t[1], "tuple")),
        List<object?> l when l.Count == 2 && l.All(x => x is double or long) => (PyConvert.ToDouble(l[0], "pair"), PyConvert.ToDouble(l[1], "pair")),
        long l => (double)l,
        int i => (double)i,
        _ => v,
    };

    private static Tensor ToParamLike(HostTensor h, Parameter p)
    {
        using var scope = torch.NewDisposeScope();
        var t = HostTensors.ToTensor(h);
        var floating = h.DType is Serialization.ScalarType.Float32 or Serialization.ScalarType.Float64 or Serialization.ScalarType.Float16 or Serialization.ScalarType.BFloat16;
        return t.to(floating ? p.dtype : t.dtype, p.device, copy: true).DetachFromDisposeScope();
    }

    private static Tensor CopyLike(Tensor t, Parameter p)
    {
        using var scope = torch.NewDisposeScope();
        return t.detach().to(p.dtype, p.device, copy: true).DetachFromDisposeScope();
    }

    private void ClearState()
    {
        foreach (var s in _state.Values)
            foreach (var v in s.Values)
                if (v is Tensor t) t.Dispose();
        _state.Clear();
    }

    /// <summary>Frees the state tensors.</summary>
    public void Dispose()
    {
        ClearState();
        GC.SuppressFinalize(this);
    }

    /// <summary>Marks a hyper-parameter without a default (PyTorch's <c>required</c>, e.g. SGD's learning rate).</summary>
    protected sealed class Required
    {
        /// <summary>The marker.</summary>
        public static Required Value { get; } = new();
    }

    /// <summary>Checks a non-negative option.</summary>
    protected static void CheckNonNegative(ParamGroup g, string name)
    {
        var v = g.GetDouble(name);
        if (!(v >= 0)) throw new ArgumentOutOfRangeException(name, v, $"Invalid {name} value: {v}");
    }
}
