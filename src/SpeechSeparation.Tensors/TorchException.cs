namespace SpeechSeparation.Tensors;

/// <summary>An error raised by libtorch (its message is kept), or by the tensor layer's argument checks.</summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public TorchException(string message, Exception inner) : base(message, inner) { }
}
