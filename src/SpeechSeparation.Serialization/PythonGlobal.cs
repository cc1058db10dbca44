namespace SpeechSeparation.Serialization;

/// <summary>
/// A reference to a Python global (a class or function, <c>module.name</c>) found in a pickle. The safe unpickler
/// never imports or calls it; it appears in the result only where the pickle stored the reference itself
/// (for example a <c>torch.float32</c> dtype or a class object).
/// </summary>
public sealed class PythonGlobal
{
    /// <summary>Creates a reference to <c>module.name</c>.</summary>
    public PythonGlobal(string module, string name)
    {
        Module = module ?? throw new ArgumentNullException(nameof(module));
        Name = name ?? throw new ArgumentNullException(nameof(name));
    }

    /// <summary>The module, e.g. <c>argparse</c>.</summary>
    public string Module { get; }

    /// <summary>The qualified name inside the module, e.g. <c>Namespace</c>.</summary>
    public string Name { get; }

    /// <summary><c>module.name</c>.</summary>
    public string FullName => Module + "." + Name;

    /// <inheritdoc />
    public override string ToString() => FullName;
}
