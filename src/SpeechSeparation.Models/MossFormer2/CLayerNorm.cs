using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>Channel-wise layer norm of [B, C, T]: <c>nn.LayerNorm(C)</c> (eps 1e-5) applied to every frame (keys
/// <c>weight</c>, <c>bias</c> [C]).</summary>
public sealed class CLayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the norm (weight 1, bias 0).</summary>
    public CLayerNorm(long channels, double eps = 1e-5)
    {
        Channels = channels;
        Eps = eps;
        using (var one = torch.ones(channels)) Weight = RegisterParameter("weight", new Parameter(one))!;
        using (var zero = torch.zeros(channels)) Bias = RegisterParameter("bias", new Parameter(zero))!;
    }

    /// <summary>C.</summary>
    public long Channels { get; }
    /// <summary>Epsilon.</summary>
    public double Eps { get; }
    /// <summary>[C]</summary>
    public Parameter Weight { get; }
    /// <summary>[C]</summary>
    public Parameter Bias { get; }

    /// <summary>[B, C, T] → [B, C, T].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var y = F.layer_norm(input.transpose(1, 2), [Channels], Weight, Bias, Eps); // [B, T, C]
        return y.transpose(1, 2).MoveToOuterDisposeScope();
    }
}
