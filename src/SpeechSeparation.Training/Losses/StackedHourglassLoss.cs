using SpeechSeparation.Tensors;

namespace SpeechSeparation.Training;

/// <summary>
/// The stacked hourglass network's training loss (TF <c>train_mir_1k.py</c>): intermediate supervision of every stack,
/// <c>loss = Σ_stacks mean |Y − X·M_s|</c>, each mean over batch, sources, frequency bins and frames, with X the
/// normalised mixture magnitude broadcast over the sources and Y the normalised source magnitudes.
/// </summary>
public static class StackedHourglassLoss
{
    /// <summary>The loss (a differentiable scalar).</summary>
    /// <param name="masks">Masks of every stack <c>[stacks, B, S, F, T]</c>.</param>
    /// <param name="mixture">Mixture magnitude <c>[B, 1, F, T]</c>.</param>
    /// <param name="targets">Source magnitudes <c>[B, S, F, T]</c>.</param>
    public static Tensor Compute(Tensor masks, Tensor mixture, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(mixture);
        ArgumentNullException.ThrowIfNull(targets);
        if (masks.ndim != 5 || mixture.ndim != 4 || targets.ndim != 4 || mixture.size(1) != 1 ||
            !masks.shape.AsSpan(1).SequenceEqual(targets.shape) || mixture.size(0) != targets.size(0) ||
            mixture.size(2) != targets.size(2) || mixture.size(3) != targets.size(3))
            throw new ArgumentException($"Expected masks [stacks, B, S, F, T], mixture [B, 1, F, T] and targets [B, S, F, T]; got [{string.Join(", ", masks.shape)}], [{string.Join(", ", mixture.shape)}] and [{string.Join(", ", targets.shape)}].", nameof(masks));
        using var scope = torch.NewDisposeScope();
        var perStack = (targets - mixture * masks).abs().mean([1, 2, 3, 4]);   // [stacks]
        return perStack.sum().MoveToOuterDisposeScope();
    }

    /// <summary>The loss from a list of per-stack masks, each <c>[B, S, F, T]</c>.</summary>
    public static Tensor Compute(IReadOnlyList<Tensor> masks, Tensor mixture, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(masks);
        using var scope = torch.NewDisposeScope();
        return Compute(torch.stack(masks), mixture, targets).MoveToOuterDisposeScope();
    }
}
