using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

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
        Linear = RegisterModule("linear", torch.nn.Linear(inputDim, hiddenSize));
        Project = RegisterModule("project", torch.nn.Linear(hiddenSize, outputDim, hasBias: false));
        Conv1 = RegisterModule("conv1", torch.nn.Conv2d(outputDim, outputDim, (lorder, 1), groups: outputDim, bias: false));
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
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        long n = input.size(0), s = input.size(1);
        // The sequences are independent: process them in chunks of ~512K values so the ~25 element-wise passes of one
        // chunk stay in cache (the memory is a tap loop; libtorch's grouped conv1d is several times slower here).
        long chunk = Math.Max(1, ChunkValues / Math.Max(1, s * Dim));
        var taps = Conv1.weight.view(Dim, LOrder).transpose(0, 1).contiguous();  // [L, D]
        var output = torch.empty(input.shape, input.dtype, input.device);
        for (long n0 = 0; n0 < n; n0 += chunk)
        {
            using var inner = torch.NewDisposeScope();
            long nn = Math.Min(chunk, n - n0);
            var x = input.narrow(0, n0, nn);                                  // [n, S, D]
            var p = Project.forward(F.relu(Linear.forward(x)));               // [n, S, D]
            var padded = F.pad(p, [0, 0, LOrder - 1, 0]);                      // [n, S + L − 1, D], zeros before
            var y = output.narrow(0, n0, nn);
            y.copy_(x.Add(p));                                                    // residual + projection
            for (int k = 0; k < LOrder; k++)                                   // causal memory: tap L−1 is the current step
                y.addcmul_(padded.narrow(1, k, s), taps.select(0, k), KeptScalars.One);
        }
        return output.MoveToOuterDisposeScope();
    }

    private const long ChunkValues = 1L << 19;
}
