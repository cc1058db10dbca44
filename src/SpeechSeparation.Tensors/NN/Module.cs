using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpeechSeparation.Tensors.NN;

/// <summary>
/// A <c>torch.nn.Module</c> whose parameters, buffers and sub-modules are registered explicitly under their PyTorch names
/// (<c>RegisterModule("gated_fsmn", …)</c>), so <c>state_dict()</c> yields exactly the upstream checkpoint's keys while the
/// C# fields keep .NET names. Two things differ from TorchSharp's default behaviour, both so that real checkpoints and
/// optimisers keep working:
/// <list type="bullet">
/// <item>Fields are never registered by reflection (TorchSharp would add a second key named after the C# field).</item>
/// <item><c>to(dtype)</c> / <c>to(device)</c> convert parameters and buffers <em>in place</em>: the <see cref="Parameter"/>
/// objects a model holds (and an optimiser refers to) stay the same objects. Members marked with <see cref="KeepDtype"/>
/// move between devices but keep their element type.</item>
/// </list>
/// </summary>
/// <typeparam name="TIn">Input of <c>forward</c>.</typeparam>
/// <typeparam name="TOut">Output of <c>forward</c>.</typeparam>
public abstract class Module<TIn, TOut> : nn.Module<TIn, TOut>, IMovesInPlace
{
    private readonly HashSet<string> _keepDtype = [];

    /// <summary>Creates the module, named after its type.</summary>
    protected Module() : base(string.Empty) => this.name = GetType().Name;

    /// <summary>Registers a sub-module under <paramref name="name"/> (its keys become <c>name.*</c>) and returns it.</summary>
    protected T RegisterModule<T>(string name, T module) where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        register_module(name, module);
        return module;
    }

    /// <summary>Registers a parameter and returns it; null (PyTorch's <c>bias=None</c>) registers nothing.</summary>
    protected Parameter? RegisterParameter(string name, Parameter? parameter)
    {
        if (parameter is null) return null;
        parameter.DetachFromDisposeScope();                  // owned by the module, whatever scope built it
        register_parameter(name, parameter);
        return parameter;
    }

    /// <summary>Registers a buffer (kept by <c>state_dict()</c> when <paramref name="persistent"/>) and returns it.</summary>
    protected Tensor RegisterBuffer(string name, Tensor buffer, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        buffer.DetachFromDisposeScope();
        register_buffer(name, buffer, persistent);
        return buffer;
    }

    /// <summary>
    /// Marks this module's parameter or buffer <paramref name="name"/> as keeping its element type through
    /// <c>to(dtype)</c> (it still moves between devices): for tables whose precision matters more than their type, such
    /// as position-encoding frequencies, which the module converts to its input's type after using them.
    /// </summary>
    /// <exception cref="ArgumentException">No parameter or buffer of that name is registered on this module.</exception>
    protected void KeepDtype(string name)
    {
        if (!_internal_params.ContainsKey(name) && !_internal_buffers.ContainsKey(name))
            throw new ArgumentException($"{GetType().Name} has no parameter or buffer '{name}'.", nameof(name));
        _keepDtype.Add(name);
    }

    /// <summary>Registration is explicit (see the class remarks): nothing is discovered by reflection.</summary>
    protected override void RegisterComponents() { }

    /// <summary>
    /// Parameters and persistent buffers by dotted name in PyTorch's order: a module's own parameters, then its own
    /// buffers, then each child's entries (TorchSharp lists every parameter of the tree before any buffer).
    /// </summary>
    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        destination ??= [];
        InPyTorchOrder(this, destination, prefix);
        return destination;
    }

    /// <summary>PyTorch's traversal for any module, including TorchSharp's containers (ModuleList, Sequential).</summary>
    private static void InPyTorchOrder(nn.Module module, Dictionary<string, Tensor> destination, string? prefix)
    {
        string Key(string n) => string.IsNullOrEmpty(prefix) ? n : $"{prefix}.{n}";
        foreach (var (n, p) in module.named_parameters(recurse: false)) destination.TryAdd(Key(n), p);
        foreach (var (n, b) in module.named_buffers(recurse: false, include_nonpersistent: false)) destination.TryAdd(Key(n), b);
        foreach (var (n, child) in module.named_children()) InPyTorchOrder(child, destination, Key(n));
    }

    /// <summary>
    /// Every buffer with its dotted name; unlike TorchSharp 0.107's listing, this module's own non-persistent buffers
    /// are included when <paramref name="include_nonpersistent"/> is set (as in PyTorch).
    /// </summary>
    public override IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true, bool include_nonpersistent = true)
    {
        foreach (var (n, (t, persistent)) in _internal_buffers)
            if (persistent || include_nonpersistent) yield return (n, t);
        if (!recurse) yield break;
        foreach (var (cn, child) in named_children())
            foreach (var (n, t) in child.named_buffers(true, include_nonpersistent))
                yield return ($"{cn}.{n}", t);
    }

    /// <summary>
    /// Converts every parameter and buffer of this module and its descendants in place (see the class remarks), so
    /// the tensors a model or optimiser holds stay valid. TorchSharp's own layers (Conv1d, Linear…) would otherwise
    /// replace their parameters with new objects.
    /// </summary>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        MoveOwnTensors(device, dtype);
        foreach (var (_, m) in named_modules())
        {
            if (m is IMovesInPlace ours) { ours.MoveOwnTensors(device, dtype); continue; }
            foreach (var (_, p) in m.named_parameters(recurse: false)) InPlace.MoveTo(p, device, dtype);
            foreach (var (_, b) in m.named_buffers(recurse: false)) InPlace.MoveTo(b, device, dtype);
        }
        if (device is not null) { _deviceType = device.type; _deviceIndex = device.index; }
    }

    void IMovesInPlace.MoveOwnTensors(Device? device, ScalarType? dtype) => MoveOwnTensors(device, dtype);

    private void MoveOwnTensors(Device? device, ScalarType? dtype)
    {
        foreach (var (name, p) in _internal_params)
            InPlace.MoveTo(p, device, _keepDtype.Contains(name) ? null : dtype);
        foreach (var (name, (b, _)) in _internal_buffers)
            InPlace.MoveTo(b, device, _keepDtype.Contains(name) ? null : dtype);
        if (device is not null) { _deviceType = device.type; _deviceIndex = device.index; }
    }
}

/// <summary>A library module that converts its own tensors in place (any <see cref="Module{TIn, TOut}"/>).</summary>
internal interface IMovesInPlace
{
    void MoveOwnTensors(Device? device, ScalarType? dtype);
}

/// <summary>In-place device and floating-point type changes that keep a tensor object's identity.</summary>
internal static class InPlace
{
    // TorchSharp has no binding for PyTorch's `param.data = …` (set_data); set_ cannot change the element type. The
    // library therefore swaps the native tensor behind the managed object, as `Module._apply` does in PyTorch.
    private static readonly System.Reflection.FieldInfo Handle =
        typeof(Tensor).GetField("handle", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
        ?? throw new MissingFieldException("TorchSharp.torch.Tensor.handle (this TorchSharp version is not supported)");

    /// <summary>
    /// Makes <paramref name="t"/> refer to a copy of itself on <paramref name="device"/>, converted to
    /// <paramref name="dtype"/> (integer and boolean tensors keep their type); requires_grad is kept.
    /// </summary>
    public static void MoveTo(Tensor t, Device? device, ScalarType? dtype)
    {
        var target = dtype is { } d && is_floating_point(t.dtype) && is_floating_point(d) ? d : t.dtype;
        var dev = device ?? t.device;
        if (target == t.dtype && dev.type == t.device_type && (dev.type == DeviceType.CPU || dev.index == t.device_index)) return;
        bool grad = t.requires_grad;
        Tensor moved;
        using (no_grad())
            moved = t.detach().to(target, dev, copy: true).DetachFromDisposeScope();
        if (grad) moved.requires_grad_(true);
        var old = Handle.GetValue(t)!;
        Handle.SetValue(t, Handle.GetValue(moved));
        Handle.SetValue(moved, old);
        moved.Dispose();                                   // frees the old native tensor
    }
}
