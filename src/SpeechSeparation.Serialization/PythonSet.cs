using System.Collections;

namespace SpeechSeparation.Serialization;

/// <summary>A Python <c>set</c> or <c>frozenset</c> read from a pickle (items in the order they were stored).</summary>
public sealed class PythonSet : IReadOnlyList<object?>
{
    private readonly List<object?> _items = [];
    private readonly HashSet<object> _seen = new(PythonKeyComparer.Instance);

    /// <summary>Creates an empty set.</summary>
    public PythonSet(bool frozen = false) => IsFrozen = frozen;

    /// <summary>Creates a set of the given items.</summary>
    public PythonSet(IEnumerable<object?> items, bool frozen = false) : this(frozen)
    {
        foreach (var i in items) Add(i);
    }

    /// <summary>True for a <c>frozenset</c>.</summary>
    public bool IsFrozen { get; }

    /// <summary>Adds an item unless an equal one is present (Python equality for numbers, strings and tuples).</summary>
    public void Add(object? item)
    {
        if (_seen.Add(PythonKeyComparer.Normalize(item))) _items.Add(item);
    }

    /// <inheritdoc />
    public object? this[int index] => _items[index];

    /// <inheritdoc />
    public int Count => _items.Count;

    /// <inheritdoc />
    public IEnumerator<object?> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => PythonRepr.Format(this);
}
