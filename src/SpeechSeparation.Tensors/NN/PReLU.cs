using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>PReLU with learned slopes (key <c>weight</c> [num_parameters], initialised to 0.25).</summary>
public sealed class PReLU : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public PReLU(long numParameters = 1, double init = 0.25) => Weight = RegisterParameter("weight", Init.NewParameter([numParameters], init))!;

    /// <summary>[num_parameters]</summary>
    public Parameter Weight { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.prelu(input, Weight);
}
