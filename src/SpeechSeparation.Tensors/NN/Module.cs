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
public abstract class Module<TIn, TOut> : nn.Module<TIn, TOut>
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
        if (parameter is not null) register_parameter(name, parameter);
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
        string Key(string n) => string.IsNullOrEmpty(prefix) ? n : $"{prefix}.{n}";
        foreach (var (n, p) in named_parameters(recurse: false)) destination.TryAdd(Key(n), p);
        foreach (var (n, b) in named_buffers(recurse: false, include_nonpersistent: false)) destination.TryAdd(Key(n), b);
        foreach (var (n, child) in named_children()) child.state_dict(destination, Key(n));
        return destination;
    }

    /// <inheritdoc />
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        foreach (var (_, child) in named_children())
        {
            if (device is null) child.to(dtype!.Value, non_blocking);
            else if (dtype is null) child.to(device.type, device.index, non_blocking);
            else child.to(device, dtype.Value, non_blocking);
        }
        foreach (var (name, p) in named_parameters(recurse: false))
            InPlace.MoveTo(p, device, _keepDtype.Contains(name) ? null : dtype);
        foreach (var (name, b) in named_buffers(recurse: false))
            InPlace.MoveTo(b, device, _keepDtype.Contains(name) ? null : dtype);
        if (device is not null) { _deviceType = device.type; _deviceIndex = device.index; }
    }
}

/// <summary>In-place device and floating-point type changes that keep a tensor object's identity.</summary>
internal static class InPlace
{
    /// <summary>
    /// Replaces <paramref name="t"/>'s storage with a copy on <paramref name="device"/> converted to
    /// <paramref name="dtype"/> (integer and boolean tensors keep their type), as <c>param.data = param.data.to(…)</c> does.
    /// </summary>
    public static void MoveTo(Tensor t, Device? device, ScalarType? dtype)
    {
        var target = dtype is { } d && is_floating_point(t.dtype) && is_floating_point(d) ? d : t.dtype;
        var dev = device ?? t.device;
        if (target == t.dtype && dev.type == t.device_type && (dev.type == DeviceType.CPU || dev.index == t.device_index)) return;
        using var _ = no_grad();
        using var moved = t.detach().to(target, dev);
        t.set_(moved);
    }
}
