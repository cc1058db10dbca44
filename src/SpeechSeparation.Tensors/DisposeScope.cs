namespace SpeechSeparation.Tensors;

/// <summary>
/// Frees every tensor created on this thread while the scope is the innermost one, when the scope is disposed —
/// except tensors moved out with <see cref="Tensor.MoveToOuterDisposeScope"/> or detached with
/// <see cref="Tensor.DetachFromDisposeScope"/>. Scopes nest; create them with <see cref="torch.NewDisposeScope"/>.
/// This keeps native memory flat in inference and training loops without relying on the finaliser.
/// </summary>
/// <example><code>
/// using (var scope = torch.NewDisposeScope())
/// {
///     var y = (x * 2 + 1).relu();      // intermediates are freed when the scope ends
///     result = y.MoveToOuterDisposeScope();
/// }
/// </code></example>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_current;

    private readonly List<Tensor> _owned = [];
    private bool _disposed;

    internal DisposeScope()
    {
        Outer = t_current;
        t_current = this;
    }

    /// <summary>The innermost open scope of the calling thread, or null.</summary>
    public static DisposeScope? Current => t_current;

    /// <summary>The enclosing scope, or null.</summary>
    public DisposeScope? Outer { get; }

    /// <summary>Number of live tensors this scope will free.</summary>
    public int Count => _owned.Count(t => ReferenceEquals(t.Scope, this) && !t.IsDisposed);

    internal void Attach(Tensor t)
    {
        t.Scope = this;
        _owned.Add(t);
    }

    /// <summary>Frees the tensors this scope owns and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _owned)
            if (ReferenceEquals(t.Scope, this)) t.Dispose();
        _owned.Clear();
        if (ReferenceEquals(t_current, this)) t_current = Outer;
    }
}
