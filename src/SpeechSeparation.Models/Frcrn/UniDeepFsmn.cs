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
        // The sequences are independent: process them in chunks of ~512K values so the ~20 element-wise passes of one
        // chunk stay in cache (the memory is a tap loop on shifted views; libtorch's grouped conv1d is slower here).
        long chunk = Math.Max(1, ChunkValues / Math.Max(1, s * Dim));
        var kernel = Conv1.weight.to(input.dtype).view(Dim, LOrder).transpose(0, 1);  // [L, D]
        // p + mem = Σ_k taps[k]·p[s − (L−1) + k] with the current step's tap raised by one (the projection's own term).
        var taps = torch.cat([kernel.narrow(0, 0, LOrder - 1), kernel.narrow(0, LOrder - 1, 1).Add(1.0)], 0); // [L, D]
        Tensor w1 = Linear.weight.to(input.dtype), b1 = Linear.bias!.to(input.dtype), w2 = Project.weight.to(input.dtype); // the input's dtype (BFloat16Arithmetic)
        var output = torch.empty(input.shape, input.dtype, input.device);
        for (long n0 = 0; n0 < n; n0 += chunk)
        {
            using var inner = torch.NewDisposeScope();
            long nn = Math.Min(chunk, n - n0);
            var x = input.narrow(0, n0, nn);                                  // [n, S, D]
            var p = F.linear(F.relu(F.linear(x, w1, b1)), w2);                // [n, S, D]: project(relu(linear(x)))
            var y = output.narrow(0, n0, nn).copy_(x);                        // residual
            for (int k = 0; k < LOrder; k++)                                   // causal memory: tap k reads L−1−k steps back
            {
                long shift = LOrder - 1 - k;
                if (shift >= s) continue;                                      // before the sequence start: zeros
                y.narrow(1, shift, s - shift).addcmul_(p.narrow(1, 0, s - shift), taps.select(0, k), KeptScalars.One);
            }
        }
        return output.MoveToOuterDisposeScope();
    }

    private const long ChunkValues = 1L << 19;
}
