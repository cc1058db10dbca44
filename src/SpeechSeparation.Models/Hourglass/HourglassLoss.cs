using SpeechSeparation.Tensors;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>The training loss of the TF code (intermediate supervision): L1 between source and masked mixture, summed over stacks.</summary>
public static class HourglassLoss
{
    /// <summary>
    /// Σ over stacks s of mean |Y − X·M_s| (mean over batch, sources, bins and frames), with autograd.
    /// </summary>
    /// <param name="masks">Masks of every stack [stacks, B, S, F, T] (the network's output).</param>
    /// <param name="mixture">Normalised mixture magnitude [B, 1, F, T].</param>
    /// <param name="targets">Normalised source magnitudes [B, S, F, T].</param>
    /// <returns>A scalar tensor.</returns>
    public static Tensor StackedL1(Tensor masks, Tensor mixture, Tensor targets)
    {
        if (masks.ndim != 5 || mixture.ndim != 4 || targets.ndim != 4)
            throw new ArgumentException($"StackedL1 takes masks [K, B, S, F, T], mixture [B, 1, F, T] and targets [B, S, F, T]; got " +
                $"[{string.Join(", ", masks.shape)}], [{string.Join(", ", mixture.shape)}], [{string.Join(", ", targets.shape)}].");
        using var scope = torch.NewDisposeScope();
        var error = (targets.unsqueeze(0) - mixture.unsqueeze(0) * masks).abs();    // [K, B, S, F, T]
        return error.mean([1, 2, 3, 4]).sum().MoveToOuterDisposeScope();
    }
}
