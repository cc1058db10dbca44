using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

using PReLU = SpeechSeparation.Tensors.NN.PReLU;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// The dense dilated FSMN memory of MossFormer2 on [B, C, T, 1]: for layer i = 1..depth (dilation 2^(i−1)), zero-pad time
/// to keep the length, grouped Conv2d(C·i → C, kernel (2·lorder−1, 1), groups C, no bias) over the concatenation of all
/// earlier outputs and the input, InstanceNorm2d(C, affine; instance statistics also in eval), PReLU(C). Returns the last
/// layer's output. Keys <c>conv{i}.weight</c>, <c>norm{i}.weight/bias</c>, <c>prelu{i}.weight</c>.
/// </summary>
public sealed class DilatedDenseNet : Module<Tensor, Tensor>
{
    /// <summary>Creates the network.</summary>
    public DilatedDenseNet(long depth = 4, long lorder = 20, long inChannels = 64)
    {
        (Depth, Lorder, Channels) = (depth, lorder, inChannels);
        long twidth = 2 * lorder - 1;
        for (int i = 0; i < depth; i++)
        {
            long dil = 1L << i;
            convs.Add(RegisterModule($"conv{i + 1}", torch.nn.Conv2d(inChannels * (i + 1), inChannels, (twidth, 1), dilation: (dil, 1), groups: inChannels, bias: false)));
            norms.Add(RegisterModule($"norm{i + 1}", torch.nn.InstanceNorm2d(inChannels, 1e-5, affine: true)));
            prelus.Add(RegisterModule($"prelu{i + 1}", new PReLU(inChannels)));
        }
    }

    private readonly List<Conv2d> convs = [];
    private readonly List<InstanceNorm> norms = [];
    private readonly List<PReLU> prelus = [];

    /// <summary>Number of layers.</summary>
    public long Depth { get; }
    /// <summary>Memory order (kernel 2·lorder − 1 along time).</summary>
    public long Lorder { get; }
    /// <summary>C.</summary>
    public long Channels { get; }

    /// <summary>
    /// <c>Conv2d(C·m → C, groups C)</c> over time with "same" zero padding, computed as m depthwise convolutions on the
    /// channel slices j, j+m, j+2m… (output channel k reads input channels k·m … k·m+m−1), each on a channels-last
    /// copy, for which oneDNN has a fast depthwise kernel (the grouped channels-first path is ~10× slower).
    /// </summary>
    private Tensor GroupedConv(Tensor x, Tensor weight, long pad, long dilation)
    {
        using var scope = torch.NewDisposeScope();
        long m = weight.shape[1];
        Tensor? sum = null;
        for (long j = 0; j < m; j++)
        {
            var xj = m == 1 ? x : x.slice(1, j, x.shape[1], m);                    // [B, C, T, 1]
            xj = xj.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);          // channels-last memory
            var wj = weight.narrow(1, j, 1);                                       // [C, 1, K, 1]
            var y = F.conv2d(xj, wj, null, padding: [pad, 0], dilation: [dilation, 1], groups: Channels);
            sum = sum is null ? y : sum.Add(y);
        }
        return sum!.MoveToOuterDisposeScope();
    }

    /// <summary>[B, C, T, 1] → [B, C, T, 1].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var skip = input;
        Tensor? output = null;
        for (int i = 0; i < Depth; i++)
        {
            long dil = 1L << i;
            long pad = Lorder + (dil - 1) * (Lorder - 1) - 1;
            var o = GroupedConv(skip, convs[i].weight, pad, dil);  // conv{i+1}: [B, C, T, 1]
            o = prelus[i].call(norms[i].call(o));                  // norm{i+1}, prelu{i+1}
            if (i + 1 < Depth) skip = torch.cat([o, skip], 1);     // [B, C·(i+2), T, 1]
            output = o;
        }
        return (output ?? input.alias()).MoveToOuterDisposeScope();
    }
}
