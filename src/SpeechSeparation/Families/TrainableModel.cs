using SpeechSeparation.Tensors;
using SpeechSeparation.Training;

namespace SpeechSeparation.Families;

/// <summary>A network ready to train: the module, its estimate function and its training objective.</summary>
/// <param name="Module">The network (owned by the caller; dispose it).</param>
/// <param name="Estimate">Mixtures [B, T] → estimated sources [B, T, S], the input length.</param>
/// <param name="Objective">The loss the family trains with (PIT SI-SNR for the speech separators).</param>
/// <param name="Sources">Number of outputs S.</param>
public sealed record TrainableModel(torch.nn.Module Module, Func<Tensor, Tensor> Estimate, ITrainingObjective Objective, int Sources)
{
    /// <summary>Zero-pads or crops estimates [B, T', S] to <paramref name="length"/> samples.</summary>
    internal static Tensor PadTo(Tensor estimates, long length)
    {
        long pad = length - estimates.size(1);
        return pad > 0 ? torch.nn.functional.pad(estimates, [0, 0, 0, pad]) : pad < 0 ? estimates.narrow(1, 0, length) : estimates;
    }
}
