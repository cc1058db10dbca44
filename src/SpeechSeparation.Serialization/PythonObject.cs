namespace SpeechSeparation.Serialization;

/// <summary>
/// An inert stand-in for an instance of a Python class the safe unpickler does not know (for example
/// <c>argparse.Namespace</c> or a whole <c>nn.Module</c>). Nothing is instantiated or executed: the placeholder keeps
/// the class name, the constructor arguments, the state given to <c>__setstate__</c> and any items appended or set on it.
/// </summary>
public sealed class PythonObject
{
    private List<object?>? _listItems;
    private PythonDict? _dictItems;

    /// <summary>Creates a placeholder for an instance of <c>module.name</c>.</summary>
    public PythonObject(string module, string name, IReadOnlyList<object?>? arguments = null, object? state = null)
    {
        Module = module ?? throw new ArgumentNullException(nameof(module));
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Arguments = arguments ?? [];
        State = state;
    }

    /// <summary>The class's module, e.g. <c>argparse</c>.</summary>
    public string Module { get; }

    /// <summary>The class name, e.g. <c>Namespace</c>.</summary>
    public string Name { get; }

    /// <summary><c>module.name</c>.</summary>
    public string FullName => Module + "." + Name;

    /// <summary>Positional arguments the pickle passed to the class (or to its reconstructor).</summary>
    public IReadOnlyList<object?> Arguments { get; }

    /// <summary>Keyword arguments (protocol 4 <c>NEWOBJ_EX</c>), or null.</summary>
    public PythonDict? KeywordArguments { get; init; }

    /// <summary>The state given to <c>__setstate__</c> (usually a dict of attributes), or null.</summary>
    public object? State { get; set; }

    /// <summary>The attributes when <see cref="State"/> is a dict (or a <c>(dict, slots)</c> pair), else null.</summary>
    public PythonDict? Attributes => State switch
    {
        PythonDict d => d,
        PythonTuple { Count: 2 } t when t[0] is PythonDict d => d,
        _ => null,
    };

    /// <summary>Items appended to the object (list subclasses), in order.</summary>
    public IReadOnlyList<object?> ListItems => _listItems ?? (IReadOnlyList<object?>)[];

    /// <summary>Items set on the object (dict subclasses), or null.</summary>
    public PythonDict? DictItems => _dictItems;

    internal void Append(object? item) => (_listItems ??= []).Add(item);

    internal void SetItem(object? key, object? value) => (_dictItems ??= new PythonDict()).Set(key, value);

    /// <inheritdoc />
    public override string ToString() => PythonRepr.Format(this);
}
