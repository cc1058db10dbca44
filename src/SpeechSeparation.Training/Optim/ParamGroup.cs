using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Training;

/// <summary>
/// A group of parameters sharing hyper-parameters (PyTorch's <c>param_groups</c> entry). Options use PyTorch's names
/// (<c>lr</c>, <c>betas</c>, <c>eps</c>, <c>weight_decay</c>, <c>momentum</c>…); those not given are filled from the
/// optimiser's defaults when the group is added. Typical use: no weight decay on biases and norms.
/// </summary>
/// <example><code>
/// var opt = new Adam([
///     new ParamGroup(weights),
///     new ParamGroup(biases, new() { ["weight_decay"] = 0.0 }),
/// ], lr: 1e-3, weightDecay: 1e-5);
/// </code></example>
public sealed class ParamGroup
{
    /// <summary>Creates a group of parameters with optional per-group options.</summary>
    public ParamGroup(IEnumerable<Parameter> parameters, Dictionary<string, object?>? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
        Options = options is null ? [] : new Dictionary<string, object?>(options);
    }

    /// <summary>The parameters, in order (their index in the optimiser's state dict follows this order).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Hyper-parameters by PyTorch name (numbers are <see cref="double"/>, flags <see cref="bool"/>, <c>betas</c> a <c>(double, double)</c>).</summary>
    public Dictionary<string, object?> Options { get; }

    /// <summary>The current learning rate (<c>lr</c>), changed by schedulers.</summary>
    public double Lr
    {
        get => GetDouble("lr");
        set => Options["lr"] = value;
    }

    /// <summary>The learning rate a scheduler started from (<c>initial_lr</c>), or null before a scheduler is attached.</summary>
    public double? InitialLr
    {
        get => Options.TryGetValue("initial_lr", out var v) && v is not null ? PyConvert.ToDouble(v, "initial_lr") : null;
        set => Options["initial_lr"] = value;
    }

    /// <summary>A numeric option.</summary>
    public double GetDouble(string name) => PyConvert.ToDouble(PyConvert.Get(AsReadOnly(), name, "param group"), name);

    /// <summary>A flag option.</summary>
    public bool GetBool(string name) => PyConvert.ToBool(PyConvert.Get(AsReadOnly(), name, "param group"), name);

    /// <summary>A pair option (<c>betas</c>).</summary>
    public (double, double) GetPair(string name)
    {
        var v = PyConvert.Get(AsReadOnly(), name, "param group");
        if (v is ValueTuple<double, double> t) return t;
        var l = PyConvert.ToDoubles(v, name);
        if (l.Length != 2) throw new InvalidDataException($"{name}: expected two numbers, found {l.Length}.");
        return (l[0], l[1]);
    }

    private IReadOnlyDictionary<string, object?> AsReadOnly() => Options;
}
