using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>Dropout: zeroes elements with probability p and scales the rest by 1/(1-p) in training; identity in eval.</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public Dropout(double p = 0.5)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout probability must be in [0, 1], got {p}.");
        P = p;
    }

    /// <summary>Drop probability.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Training && P > 0 ? F.dropout(input, P, true) : input.alias();
}
