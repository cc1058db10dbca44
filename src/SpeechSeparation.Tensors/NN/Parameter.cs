using static SpeechSeparation.Tensors.Native.NativeMethods;

namespace SpeechSeparation.Tensors.NN;

/// <summary>
/// A trainable tensor registered on a <see cref="Module"/> (PyTorch's <c>nn.Parameter</c>): requires gradients by default,
/// belongs to no dispose scope, and is freed by its module's <see cref="Module.Dispose()"/>.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps <paramref name="data"/> (sharing its storage) as a parameter, detached from the autograd graph.</summary>
    public Parameter(Tensor data, bool requiresGrad = true) : base(sst_detach(data.Handle))
    {
        DetachFromDisposeScope();
        requires_grad = requiresGrad;
    }
}
