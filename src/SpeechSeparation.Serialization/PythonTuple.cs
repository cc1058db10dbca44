using System.Collections;

namespace SpeechSeparation.Serialization;

/// <summary>A Python tuple (also <c>torch.Size</c>) read from or written to a pickle.</summary>
public sealed class PythonTuple : IReadOnlyList<object?>
{
    private readonly object?[] _items;

    /// <summary>Creates a tuple of the given items.</summary>
    public PythonTuple(params object?[] items) => _items = items ?? throw new ArgumentNullException(nameof(items));

    /// <summary>Creates a tuple of the given items.</summary>
    public PythonTuple(IEnumerable<object?> items) => _items = [.. items];

    /// <summary>The empty tuple.</summary>
    public static PythonTuple Empty { get; } = new();

    /// <inheritdoc />
    public object? this[int index] => _items[index];

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <inheritdoc />
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => PythonRepr.Format(this);
}
