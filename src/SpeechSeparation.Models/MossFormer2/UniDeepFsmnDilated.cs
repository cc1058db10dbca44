using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

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
        linear = RegisterModule("linear", torch.nn.Linear(inputDim, hiddenSize));
        project = RegisterModule("project", torch.nn.Linear(hiddenSize, outputDim, hasBias: false));
        conv = RegisterModule("conv", new DilatedDenseNet(depth, lorder, outputDim));
    }

    private readonly Linear linear, project;
    private readonly DilatedDenseNet conv;

    /// <summary>[B, T, D] → [B, T, D].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var f = linear.call(input);                                      // [B, T, H]
        var p = project.call(F.relu(f));                                 // [B, T, D]
        var r = conv.call(p.transpose(1, 2).unsqueeze(-1));              // [B, D, T, 1]
        return input.Add(r.squeeze(-1).transpose(1, 2)).MoveToOuterDisposeScope();
    }
}
