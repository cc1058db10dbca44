using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// MossFormer2's FSMN core: <c>p = project(ReLU(linear(x)))</c>, then the <see cref="DilatedDenseNet"/> <c>conv</c> on p
/// (channels first, time as height) and a residual from the input: <c>x + conv(p)</c>. Keys <c>linear.weight/bias</c>,
/// <c>project.weight</c> (no bias), <c>conv.*</c>.
/// </summary>
public sealed class UniDeepFsmnDilated : Module<Tensor, Tensor>
{
    /// <summary>Creates the core (upstream arguments).</summary>
    public UniDeepFsmnDilated(long inputDim, long outputDim, long lorder, long hiddenSize, long depth = 2)
    {
        linear = RegisterModule("linear", new Linear(inputDim, hiddenSize));
        project = RegisterModule("project", new Linear(hiddenSize, outputDim, bias: false));
        conv = RegisterModule("conv", new DilatedDenseNet(depth, lorder, outputDim));
    }

    private readonly Linear linear, project;
    private readonly DilatedDenseNet conv;

    /// <summary>[B, T, D] → [B, T, D].</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>As <see cref="Forward(Tensor)"/>, reporting <c>fsmn_linear</c>, <c>fsmn_project</c> and the dense net's
    /// intermediates.</summary>
    public Tensor Forward(Tensor input, TensorProbe? probe)
    {
        using var scope = torch.NewDisposeScope();
        var f = linear.Forward(input);                                   // [B, T, H]
        probe?.Invoke("fsmn_linear", f);
        var p = project.Forward(F.relu(f));                              // [B, T, D]
        probe?.Invoke("fsmn_project", p);
        var r = conv.Forward(p.transpose(1, 2).unsqueeze(-1), probe);    // [B, D, T, 1]
        return (input + r.squeeze(-1).transpose(1, 2)).MoveToOuterDisposeScope();
    }
}
