using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Token shift of the attention unit: the first half of the features is delayed by one frame (frame 0 becomes 0), the
/// second half passes unchanged. [B, n, d] → [B, n, d]; no parameters.
/// </summary>
public sealed class TokenShift : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var parts = input.chunk(2, -1);
        var shifted = F.pad(parts[0], [0, 0, 1, -1]);                        // [B, n, ⌈d/2⌉]
        return torch.cat([shifted, parts[1]], -1).MoveToOuterDisposeScope();
    }
}
