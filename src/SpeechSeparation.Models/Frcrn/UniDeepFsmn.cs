using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// Uni-directional deep FSMN layer on [B', S, D]: <c>h = relu(linear(x))</c>, <c>p = project(h)</c>, a causal depthwise
/// memory <c>mem[s] = Σ_{k&lt;lorder} conv1[d, k]·p[s − lorder + 1 + k]</c> along S, output <c>x + (p + mem)</c>.
/// Keys: <c>linear</c> (D→hidden, bias), <c>project</c> (hidden→D, no bias), <c>conv1.weight [D, 1, lorder, 1]</c>.
/// </summary>
public sealed class UniDeepFsmn : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer (input_dim must equal output_dim).</summary>
    public UniDeepFsmn(int inputDim, int outputDim, int lorder = 20, int hiddenSize = 0)
    {
        if (inputDim != outputDim) throw new ArgumentException("UniDeepFsmn needs input_dim == output_dim (residual connection).");
        (Dim, LOrder) = (outputDim, lorder);
        Linear = RegisterModule("linear", new Linear(inputDim, hiddenSize));
        Project = RegisterModule("project", new Linear(hiddenSize, outputDim, bias: false));
        Conv1 = RegisterModule("conv1", new Conv2d(outputDim, outputDim, (lorder, 1), groups: outputDim, bias: false));
    }

    /// <summary>Feature size D.</summary>
    public int Dim { get; }
    /// <summary>Memory length (taps; the last one is the current position).</summary>
    public int LOrder { get; }
    /// <summary>D → hidden.</summary>
    public Linear Linear { get; }
    /// <summary>hidden → D.</summary>
    public Linear Project { get; }
    /// <summary>Depthwise memory kernel [D, 1, lorder, 1].</summary>
    public Conv2d Conv1 { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        long s = input.size(1);
        var p = Project.Forward(F.relu(Linear.Forward(input)));        // [B', S, D]
        var pt = p.transpose(1, 2);                                     // [B', D, S]
        var k = Conv1.Weight.view(Dim, 1, LOrder);                       // [D, 1, L]
        var mem = F.conv1d(pt, k, null, 1, LOrder - 1, 1, Dim).narrow(2, 0, s); // causal: [B', D, S]
        var y = input + (p + mem.transpose(1, 2));                      // [B', S, D]
        return y.MoveToOuterDisposeScope();
    }
}
