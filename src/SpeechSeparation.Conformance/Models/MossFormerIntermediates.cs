using MF = SpeechSeparation.Models.MossFormer;
using MF2 = SpeechSeparation.Models.MossFormer2;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// The intermediates (<c>inter_X</c> fixture arrays) of MossFormer and MossFormer2 modules: for each module under test,
/// fixture name X → the sub-module (path relative to that module) whose output, or input, is X. Recorded by
/// <see cref="IntermediateRecorder"/>; shared with the MossFormer2_SE and SpeechBrain-layout handlers.
/// </summary>
internal static class MossFormerIntermediates
{
    /// <summary><see cref="MF.FFConvM"/>: the steps of <c>mdl</c> (the norm's output is <c>scalenorm</c> whatever the norm).</summary>
    public static readonly IntermediateMap FFConvM = new()
    {
        { "scalenorm", "mdl.0" }, { "linear", "mdl.1" }, { "silu", "mdl.2" }, { "convmodule", "mdl.3" },
    };

    /// <summary><see cref="MF.MossFormerBlock"/> (and <see cref="MF2.FlashShareAFFConvM"/>); <c>offset_scale_out</c> and
    /// <c>rotated</c> are the four heads stacked [4, B, n, q] (quad_q, lin_q, quad_k, lin_k).</summary>
    public static readonly IntermediateMap Block = new()
    {
        { "token_shifted_x", "token_shift" },
        { "to_hidden_out", "to_hidden" },
        { "qk", "to_qk" },
        { "offset_scale_out", "qk_offset_scale" },
        { "rotated", "rotary_pos_emb" },
        { "att_v", Intermediate.OutputOf("attention").Chunk(0, 2) },
        { "att_u", Intermediate.OutputOf("attention").Chunk(1, 2) },
        { "gated", "gate" },
        { "to_out_out", "to_out" },
    };

    /// <summary><see cref="MF.MossFormerModule"/>: every attention unit's output.</summary>
    public static readonly IntermediateMap MossFormerModule = new() { { "block{i}_out", "layers.{i}" } };

    /// <summary><see cref="MF2.DilatedDenseNet"/>, per layer i ≥ 1: the grouped convolution's output (the norm's input), the
    /// norm's and the PReLU's.</summary>
    public static readonly IntermediateMap DilatedDenseNet = new()
    {
        { "dense_conv{i}", Intermediate.InputOf("norm{i}") }, { "dense_norm{i}", "norm{i}" }, { "dense_prelu{i}", "prelu{i}" },
    };

    /// <summary><see cref="MF2.UniDeepFsmnDilated"/>: <c>linear</c> (before the ReLU), <c>project</c>, the dense net's.</summary>
    public static readonly IntermediateMap UniDeepFsmnDilated = new()
    {
        { "fsmn_linear", "linear" }, { "fsmn_project", "project" }, DilatedDenseNet.Under("conv"),
    };

    /// <summary><see cref="MF2.GatedFsmnDilated"/>: <c>to_u</c>, <c>to_v</c>, the FSMN's output and intermediates.</summary>
    public static readonly IntermediateMap GatedFsmnDilated = new()
    {
        { "to_u", "to_u" }, { "to_v", "to_v" }, { "fsmn_out", "fsmn" }, UniDeepFsmnDilated.Under("fsmn"),
    };

    /// <summary><see cref="MF2.GatedFsmnBlockDilated"/>: each step and the gated FSMN's intermediates.</summary>
    public static readonly IntermediateMap GatedFsmnBlockDilated = GatedFsmnBlock(GatedFsmnDilated);

    /// <summary>A gated FSMN block (dilated or not) around the gated FSMN whose table is <paramref name="gatedFsmn"/>.</summary>
    public static IntermediateMap GatedFsmnBlock(IntermediateMap gatedFsmn) => new()
    {
        { "conv1_prelu", "conv1" }, { "norm1", "norm1" }, { "gated_fsmn_out", "gated_fsmn" }, { "norm2", "norm2" }, { "conv2", "conv2" },
        gatedFsmn.Under("gated_fsmn"),
    };

    /// <summary><see cref="MF.ComputeAttention"/> (v1 core): the attention units' outputs.</summary>
    public static readonly IntermediateMap ComputeAttention = MossFormerModule.Under("att_mdl.mossformerM");

    /// <summary><see cref="MF2.ComputationBlock"/> (v2 core): each attention unit's and FSMN block's output, and
    /// <c>intra_mdl</c>'s [B, L, N].</summary>
    public static readonly IntermediateMap ComputationBlock = new()
    {
        { "flash{i}_out", "intra_mdl.mossformerM.layers.{i}" },
        { "fsmn{i}_out", "intra_mdl.mossformerM.fsmn.{i}" },
        { "intra_mdl_out", "intra_mdl" },
    };

    /// <summary>
    /// <see cref="MF.MossFormerMaskNet"/> around the core whose table is <paramref name="core"/>: <c>masknet_norm</c>,
    /// <c>masknet_mdl_in</c> (after the positions), <c>masknet_mdl_out</c>, <c>masknet_conv1d_out</c> [B, N·S, L],
    /// <c>masknet_gated</c> [B·S, N, L] (the decoder's input) and <c>masks</c> [S, B, N, L] (the mask net's output).
    /// </summary>
    public static IntermediateMap MaskNet(IntermediateMap core) => new()
    {
        { "masknet_norm", "norm" },
        { "masknet_mdl_in", Intermediate.InputOf("mdl") },
        core.Under("mdl"),
        { "masknet_mdl_out", "mdl" },
        { "masknet_conv1d_out", "conv1d_out" },
        { "masknet_gated", Intermediate.InputOf("conv1_decoder") },
        { "masks", "" },
    };

    /// <summary><see cref="MF.MossFormerSeparator"/>: <c>enc_out</c> [B, N, L] and the mask net's.</summary>
    public static readonly IntermediateMap MossFormerSeparator = new()
    {
        { "enc_out", "encoder" }, MaskNet(ComputeAttention).Under("mask_net"),
    };

    /// <summary><see cref="MF2.MossFormer2Separator"/>: <c>enc_out</c> [B, N, L] and the mask net's.</summary>
    public static readonly IntermediateMap MossFormer2Separator = new()
    {
        { "enc_out", "enc" }, MaskNet(ComputationBlock).Under("mask_net"),
    };

    /// <summary>The table of a MossFormer / MossFormer2 module under test (empty for modules without intermediates).</summary>
    public static IntermediateMap Of(torch.nn.Module module) => module switch
    {
        MF.FFConvM => FFConvM,
        MF.MossFormerBlock => Block,
        MF.MossFormerModule => MossFormerModule,
        MF2.DilatedDenseNet => DilatedDenseNet,
        MF2.UniDeepFsmnDilated => UniDeepFsmnDilated,
        MF2.GatedFsmnDilated => GatedFsmnDilated,
        MF2.GatedFsmnBlockDilated => GatedFsmnBlockDilated,
        MF.MossFormerSeparator => MossFormerSeparator,
        MF2.MossFormer2Separator => MossFormer2Separator,
        _ => new IntermediateMap(),
    };
}
