using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// ScaleNorm: <c>x / max(‖x‖₂ · dim^(-1/2), eps) · g</c> over the last dimension with one learned scalar <c>g</c> [1].
/// </summary>
public sealed class ScaleNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the norm (g = 1).</summary>
    public ScaleNorm(long dim, double eps = 1e-5)
    {
        Scale = Math.Pow(dim, -0.5);
        Eps = eps;
        using var one = torch.ones(1);
        G = RegisterParameter("g", new Parameter(one))!;
    }

    /// <summary>dim^(-1/2).</summary>
    public double Scale { get; }
    /// <summary>Lower clamp of the scaled norm.</summary>
    public double Eps { get; }
    /// <summary>Learned gain [1].</summary>
    public Parameter G { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var norm = input.norm(-1, keepdim: true, p: 2).Mul(Scale); // [..., 1]
        var factor = G / norm.ClampMin(Eps);                    // [..., 1]: one pass over the input instead of two
        return (input * factor).MoveToOuterDisposeScope();
    }
}
