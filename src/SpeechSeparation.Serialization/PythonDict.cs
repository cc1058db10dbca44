using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Collections;

namespace SpeechSeparation.Serialization;

/// <summary>
/// A Python <c>dict</c> or <c>collections.OrderedDict</c> read from (or to be written to) a pickle, in insertion order.
/// It reads as an <see cref="IReadOnlyDictionary{TKey, TValue}"/> keyed by strings; keys that are not strings
/// (the integer parameter ids of an optimizer state, for example) appear there in their Python spelling
/// (<c>0</c>, <c>True</c>, <c>None</c>), and <see cref="Items"/> keeps the original key objects.
/// </summary>
public sealed class PythonDict : IReadOnlyDictionary<string, object?>
{
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = new(PythonKeyComparer.Instance);
    private readonly Dictionary<string, int> _byText = new(PythonKeyComparer.Instance);

    /// <summary>Creates an empty dict; <paramref name="ordered"/> makes it a <c>collections.OrderedDict</c>.</summary>
    public PythonDict(bool ordered = false) => IsOrdered = ordered;

    /// <summary>True for a <c>collections.OrderedDict</c> (what <c>state_dict()</c> returns), false for a plain dict.</summary>
    public bool IsOrdered { get; }

    /// <summary>Attributes set on the dict object itself (an OrderedDict state dict carries <c>_metadata</c>), or null.</summary>
    public PythonDict? Attributes { get; set; }

    /// <summary>Every entry with its original key object (string, long, double, bool, null, tuple…), in order.</summary>
    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>; an existing equal key keeps its position.</summary>
    public void Set(object? key, object? value)
    {
        var k = PythonKeyComparer.Normalize(key);
        if (_index.TryGetValue(k, out int i))
        {
            _items[i] = new(_items[i].Key, value);
            return;
        }
        _index.Add(k, _items.Count);
        _byText.TryAdd(KeyText(key), _items.Count);
        _items.Add(new(key, value));
    }

    /// <summary>The string under which a key appears in the <see cref="IReadOnlyDictionary{TKey, TValue}"/> view.</summary>
    public static string KeyText(object? key) => key switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        int n => n.ToString(CultureInfo.InvariantCulture),
        _ => PythonRepr.Format(key),
    };

    /// <inheritdoc />
    public object? this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"No entry '{key}'.");

    /// <inheritdoc />
    public IEnumerable<string> Keys => _items.Select(kv => KeyText(kv.Key));

    /// <inheritdoc />
    public IEnumerable<object?> Values => _items.Select(kv => kv.Value);

    /// <inheritdoc />
    public int Count => _items.Count;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _byText.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (_byText.TryGetValue(key, out int i)) { value = _items[i].Value; return true; }
        value = null;
        return false;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var kv in _items) yield return new(KeyText(kv.Key), kv.Value);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => PythonRepr.Format(this);
}
