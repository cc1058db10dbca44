namespace SpeechSeparation.Tensors.NN;

/// <summary>Runs its children in order; they are named <c>0</c>, <c>1</c>… as in PyTorch.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    /// <summary>Creates the container from layers.</summary>
    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        foreach (var l in layers) Append(l);
    }

    /// <summary>Appends a layer named by its index.</summary>
    public Sequential Append(Module<Tensor, Tensor> layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>Layer <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <summary>Number of layers.</summary>
    public int Count => _layers.Count;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        if (_layers.Count == 0) return input.alias();
        var x = _layers[0].Forward(input);
        for (int i = 1; i < _layers.Count; i++)
        {
            var y = _layers[i].Forward(x);
            if (x.Scope is null) x.Dispose(); // intermediates outside a dispose scope are freed here
            x = y;
        }
        return x;
    }
}
