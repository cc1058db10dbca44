using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Training;

/// <summary>Gradient clipping as <c>torch.nn.utils.clip_grad_norm_</c> / <c>clip_grad_value_</c> (PyTorch 1.13).</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales every gradient by <c>min(1, max_norm / (total_norm + 1e-6))</c>, where <c>total_norm</c> is the
    /// <paramref name="normType"/>-norm of all gradients together (the norm of the per-parameter norms; the largest absolute
    /// entry for ∞). Gradients are always multiplied, by 1 when no clipping is needed, as PyTorch does.
    /// </summary>
    /// <returns>The total norm before clipping (0 when no parameter has a gradient).</returns>
    /// <exception cref="InvalidOperationException">With <paramref name="errorIfNonfinite"/>, the norm is NaN or infinite.</exception>
    public static double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm, double normType = 2.0, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0.0;
        Tensor total;
        if (double.IsPositiveInfinity(normType))
        {
            var norms = grads.Select(g => g.detach().abs().max()).ToList();
            total = norms.Count == 1 ? norms[0] : torch.stack(norms).max();
        }
        else
        {
            var norms = grads.Select(g => g.detach().norm((float)normType)).ToList();
            total = torch.stack(norms).norm((float)normType);
        }
        double value = total.ToDouble();
        if (errorIfNonfinite && !double.IsFinite(value))
            throw new InvalidOperationException($"The total norm of order {normType} for gradients is non-finite, so it cannot be clipped.");
        var coefficient = total.Add(1e-6).DivideInto(maxNorm).ClampMax(1.0);
        foreach (var g in grads) g.detach().mul_(coefficient);
        return value;
    }

    /// <summary>Clamps every gradient entry to <c>[−clipValue, clipValue]</c> in place.</summary>
    public static void ClipGradValue(IEnumerable<Parameter> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        foreach (var p in parameters) p.grad?.ClampInPlace(-clipValue, clipValue);
    }
}
