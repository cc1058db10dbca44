using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// MossFormer2's recurrent module (<c>GatedFSMNBlockDilated</c>): Conv1d(d → c, k=1) + PReLU, <see cref="CLayerNorm"/>,
/// <see cref="GatedFsmnDilated"/>, CLayerNorm, Conv1d(c → d, k=1), plus the input. Keys <c>conv1.0/1</c>, <c>norm1</c>,
/// <c>gated_fsmn.*</c>, <c>norm2</c>, <c>conv2</c>.
/// </summary>
public sealed class GatedFsmnBlockDilated : Module<Tensor, Tensor>
{
    /// <summary>Creates the block (upstream <c>dim</c>, <c>inner_channels</c>; lorder is fixed to 20 upstream).</summary>
    public GatedFsmnBlockDilated(long dim, long innerChannels = 256, long lorder = 20)
    {
        conv1 = RegisterModule("conv1", torch.nn.Sequential(torch.nn.Conv1d(dim, innerChannels, 1), new Tensors.NN.PReLU(1)));
        norm1 = RegisterModule("norm1", new CLayerNorm(innerChannels));
        gatedFsmn = RegisterModule("gated_fsmn", new GatedFsmnDilated(innerChannels, innerChannels, lorder, innerChannels));
        norm2 = RegisterModule("norm2", new CLayerNorm(innerChannels));
        conv2 = RegisterModule("conv2", torch.nn.Conv1d(innerChannels, dim, 1));
    }

    private readonly Sequential conv1;
    private readonly CLayerNorm norm1, norm2;
    private readonly GatedFsmnDilated gatedFsmn;
    private readonly Conv1d conv2;

    /// <summary>[B, T, d] → [B, T, d].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = conv1.call(input.transpose(1, 2));         // [B, c, T]: Conv1d + PReLU
        x = norm1.call(x);
        x = gatedFsmn.call(x.transpose(1, 2));             // [B, T, c]
        x = norm2.call(x.transpose(1, 2));                 // [B, c, T]
        x = conv2.call(x);                                 // [B, d, T]
        return x.transpose(1, 2).Add(input).MoveToOuterDisposeScope();
    }
}
