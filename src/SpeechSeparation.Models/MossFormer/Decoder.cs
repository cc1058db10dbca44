using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Learned synthesis filterbank: <c>ConvTranspose1d(N → 1, kernel k, stride k/2)</c>. Upstream it subclasses
/// <c>nn.ConvTranspose1d</c>, so its keys are <c>weight</c> [N, 1, k] (and <c>bias</c> [1] when enabled).
/// </summary>
public sealed class Decoder : Module<Tensor, Tensor>
{
    /// <summary>Creates the decoder with the upstream constructor arguments.</summary>
    public Decoder(long inChannels, long outChannels = 1, long kernelSize = 16, long stride = 8, bool bias = false)
    {
        Stride = stride;
        long fanIn = outChannels * kernelSize;
        double bound = 1 / Math.Sqrt(fanIn);
        using (var w = torch.empty([inChannels, outChannels, kernelSize]))
            Weight = RegisterParameter("weight", new Parameter(w.uniform_(-bound, bound)))!;
        if (bias)
            using (var b = torch.empty([outChannels]))
                Bias = RegisterParameter("bias", new Parameter(b.uniform_(-bound, bound)));
    }

    /// <summary>Stride of the transposed convolution.</summary>
    public long Stride { get; }
    /// <summary>[N, C_out, k]</summary>
    public Parameter Weight { get; }
    /// <summary>[C_out] or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>
    /// [B, N, L] → [B, (L−1)·stride + k] (the channel dimension removed, as upstream; for B = 1 the result stays [1, T']).
    /// A [N, L] input is treated as one item.
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input.ndim == 3 ? input : input.unsqueeze(0);
        var y = F.conv_transpose1d(x, Weight, Bias, Stride); // [B, C_out, T']
        if (y.shape[1] == 1) y = y.squeeze(1);                // [B, T']
        return y.MoveToOuterDisposeScope();
    }
}
