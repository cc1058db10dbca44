using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2Se;

/// <summary>
/// MossFormer2_SE_48K's gated FSMN (<c>Gated_FSMN</c>): <c>to_v(x) ⊙ fsmn(to_u(x)) + x</c>, where <c>to_u</c>/<c>to_v</c>
/// are <see cref="FFConvM"/> with a LayerNorm (eps 1e-5) first layer and <c>fsmn</c> is the symmetric
/// <see cref="UniDeepFsmn"/>.
/// </summary>
public sealed class GatedFsmn : Module<Tensor, Tensor>
{
    /// <summary>Creates the block (upstream <c>in_channels</c>, <c>out_channels</c>, <c>lorder</c>, <c>hidden_size</c>).</summary>
    public GatedFsmn(long inChannels, long outChannels, long lorder = 20, long hiddenSize = 64)
    {
        toU = RegisterModule("to_u", new FFConvM(inChannels, hiddenSize, FFConvM.NormKind.LayerNorm, 0.1));
        toV = RegisterModule("to_v", new FFConvM(inChannels, hiddenSize, FFConvM.NormKind.LayerNorm, 0.1));
        fsmn = RegisterModule("fsmn", new UniDeepFsmn(inChannels, outChannels, lorder, hiddenSize));
    }

    private readonly FFConvM toU, toV;
    private readonly UniDeepFsmn fsmn;

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
