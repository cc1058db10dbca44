using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// Gated FSMN: <c>to_v(x) ⊙ fsmn(to_u(x)) + x</c>, where <c>to_u</c>/<c>to_v</c> are <see cref="FFConvM"/> with a
/// LayerNorm first layer and <c>fsmn</c> is a <see cref="UniDeepFsmnDilated"/> (lorder 20, depth 2).
/// </summary>
public sealed class GatedFsmnDilated : Module<Tensor, Tensor>
{
    /// <summary>Creates the block (upstream <c>in_channels</c>, <c>out_channels</c>, <c>lorder</c>, <c>hidden_size</c>).</summary>
    public GatedFsmnDilated(long inChannels, long outChannels, long lorder = 20, long hiddenSize = 64)
    {
        toU = RegisterModule("to_u", new FFConvM(inChannels, hiddenSize, FFConvM.NormKind.LayerNorm, 0.1));
        toV = RegisterModule("to_v", new FFConvM(inChannels, hiddenSize, FFConvM.NormKind.LayerNorm, 0.1));
        fsmn = RegisterModule("fsmn", new UniDeepFsmnDilated(inChannels, outChannels, lorder, hiddenSize));
    }

    private readonly FFConvM toU, toV;
    private readonly UniDeepFsmnDilated fsmn;

    /// <summary>[B, T, C] → [B, T, C].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var u = toU.call(input);                     // [B, T, C]
        var v = toV.call(input);
        u = fsmn.call(u);
        return (v * u).Add(input).MoveToOuterDisposeScope();
    }
}
