using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>
/// <c>nn.PReLU(num_parameters, init)</c>: <c>max(0, x) + a·min(0, x)</c> with one learned slope <c>a</c> per channel
/// (dimension 1) or one shared slope. Key: <c>weight</c> [num_parameters].
/// </summary>
/// <remarks>Used instead of TorchSharp's <c>nn.PReLU</c>, whose constructor fills the weight through a temporary
/// scalar (see <see cref="KeptScalars"/>).</remarks>
public sealed class PReLU : Module<Tensor, Tensor>
{
    /// <summary>Creates the activation with every slope equal to <paramref name="init"/> (PyTorch's default 0.25).</summary>
    public PReLU(long numParameters = 1, double init = 0.25)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numParameters, 1);
        var slopes = new float[numParameters];
        Array.Fill(slopes, (float)init);
        Weight = RegisterParameter("weight", new TorchSharp.Modules.Parameter(tensor(slopes)))!;
    }

    /// <summary>The slopes, [num_parameters].</summary>
    public TorchSharp.Modules.Parameter Weight { get; }

    /// <summary>[B, C, …] → same.</summary>
    public override Tensor forward(Tensor x) => F.prelu(x, Weight);
}
