using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// MossFormer's mask-net core: <c>att_mdl</c> (<see cref="MossFormerM"/>) over time, then <c>att_norm</c>
/// (GroupNorm(1, N, eps 1e-8)) and the skip connection around both.
/// </summary>
public sealed class ComputeAttention : MaskNetCore
{
    /// <summary>Creates the core.</summary>
    public ComputeAttention(MossFormerM attMdl, long outChannels, string norm = "ln", bool skipAroundIntra = true)
    {
        attModel = RegisterModule("att_mdl", attMdl);
        attNorm = RegisterModule("att_norm", MaskNorm.Select(norm, outChannels));
        SkipAroundIntra = skipAroundIntra;
    }

    private readonly MossFormerM attModel;
    private readonly torch.nn.Module<Tensor, Tensor> attNorm;

    /// <summary>Whether the input is added to the output.</summary>
    public bool SkipAroundIntra { get; }

    /// <summary>[B, N, L] → [B, N, L].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = attModel.call(input.transpose(1, 2)).transpose(1, 2);      // [B, N, L]
        x = attNorm.call(x);
        if (SkipAroundIntra) x = x.Add(input);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>The upstream <c>select_norm</c>: the normalisation of [B, C, L] named by the <c>norm</c> hyper-parameter.</summary>
public static class MaskNorm
{
    /// <summary>"ln" → GroupNorm(1, C, eps 1e-8) (the only value used by the published models).</summary>
    /// <exception cref="NotSupportedException">Any other value.</exception>
    public static torch.nn.Module<Tensor, Tensor> Select(string norm, long channels) => norm switch
    {
        "ln" => Initialised(torch.nn.GroupNorm(1, channels, 1e-8)),
        _ => throw new NotSupportedException($"MossFormer norm '{norm}' is not supported (only 'ln' = GroupNorm(1, C, eps 1e-8))."),
    };

    /// <summary>
    /// Sets the affine parameters to PyTorch's initial values (weight 1, bias 0). TorchSharp 0.107's <c>GroupNorm</c>
    /// leaves them uninitialised (whatever the allocator returns, at times ~1e38), which only showed with random weights.
    /// </summary>
    private static GroupNorm Initialised(GroupNorm norm)
    {
        using var _ = torch.no_grad();
        norm.weight?.FillInPlace(1);
        norm.bias?.zero_();
        return norm;
    }
}
