using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// MossFormer2's mask-net core: <c>intra_mdl</c> (<see cref="MossFormer2M"/>) over time, <c>intra_norm</c>
/// (GroupNorm(1, N, eps 1e-8)) and the skip connection.
/// </summary>
public sealed class ComputationBlock : MaskNetCore
{
    /// <summary>Creates the core.</summary>
    public ComputationBlock(MossFormer2M intraMdl, long outChannels, string norm = "ln", bool skipAroundIntra = true)
    {
        intraModel = RegisterModule("intra_mdl", intraMdl);
        intraNorm = RegisterModule("intra_norm", MaskNorm.Select(norm, outChannels));
        SkipAroundIntra = skipAroundIntra;
    }

    private readonly MossFormer2M intraModel;
    private readonly torch.nn.Module<Tensor, Tensor> intraNorm;

    /// <summary>Whether the input is added to the output.</summary>
    public bool SkipAroundIntra { get; }

    /// <summary>[B, N, L] → [B, N, L].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = intraModel.call(input.transpose(1, 2)).transpose(1, 2);    // [B, N, L]
        x = intraNorm.call(x);
        if (SkipAroundIntra) x = x.Add(input);
        return x.MoveToOuterDisposeScope();
    }
}
