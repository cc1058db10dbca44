using System.Collections;

namespace SpeechSeparation.Tensors.NN;

/// <summary>An indexed list of sub-modules named <c>0</c>, <c>1</c>… as in PyTorch's <c>nn.ModuleList</c>.</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>Creates the list.</summary>
    public ModuleList(IEnumerable<T>? items = null)
    {
        if (items is null) return;
        foreach (var m in items) Add(m);
    }

    /// <summary>Appends a module named by its index.</summary>
    public void Add(T module)
    {
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
    }

    /// <inheritdoc />
    public T this[int index] => _items[index];

    /// <inheritdoc />
    public int Count => _items.Count;

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
