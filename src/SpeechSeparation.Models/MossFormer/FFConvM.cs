using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Feed-forward convolution block: <c>mdl = Sequential(norm, Linear(d_in → d_out), SiLU, ConvModule(d_out), Dropout)</c>.
/// The norm is <see cref="ScaleNorm"/> in the attention units and <c>nn.LayerNorm</c> (eps 1e-5) in MossFormer2's gated
/// FSMN.
/// </summary>
public sealed class FFConvM : Module<Tensor, Tensor>
{
    /// <summary>The first layer of the block.</summary>
    public enum NormKind
    {
        /// <summary>ScaleNorm (key <c>mdl.0.g</c>).</summary>
        ScaleNorm,
        /// <summary><c>nn.LayerNorm(d_in)</c>, eps 1e-5 (keys <c>mdl.0.weight</c>, <c>mdl.0.bias</c>).</summary>
        LayerNorm,
    }

    /// <summary>Creates the block.</summary>
    public FFConvM(long dimIn, long dimOut, NormKind norm = NormKind.ScaleNorm, double dropout = 0.1)
    {
        torch.nn.Module<Tensor, Tensor> n = norm == NormKind.ScaleNorm ? new ScaleNorm(dimIn) : torch.nn.LayerNorm(dimIn);
        mdl = RegisterModule("mdl", torch.nn.Sequential(n, torch.nn.Linear(dimIn, dimOut), torch.nn.SiLU(), new ConvModule(dimOut), torch.nn.Dropout(dropout)));
    }

    private readonly Sequential mdl;

    /// <summary>[B, n, d_in] → [B, n, d_out]: norm → Linear → SiLU → ConvModule → Dropout (each step a sub-module of
    /// <c>mdl</c>, run through <c>call</c>).</summary>
    public override Tensor forward(Tensor input) => mdl.call(input);
}
