using TorchSharp.Modules;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// MossFormer (v1) monaural speech separator as published by ModelScope
/// (<c>damo/speech_mossformer_separation_temporal_8k</c>): <c>encoder</c> (<see cref="Encoder"/>), <c>decoder</c>
/// (<see cref="Decoder"/>), <c>mask_net</c> (<see cref="MossFormerMaskNet"/> around <see cref="ComputeAttention"/>).
/// <see cref="forward(Tensor)"/> returns upstream's layout <b>[B, T, S]</b> (samples, then speakers).
/// </summary>
public sealed class MossFormerSeparator : Module<Tensor, Tensor>
{
    /// <summary>Creates the model (random weights; load a checkpoint with <see cref="LoadCheckpoint"/>).</summary>
    public MossFormerSeparator(MossFormerConfig? config = null)
    {
        Config = (config ??= MossFormerConfig.ModelScope8k).Validate();
        encoder = RegisterModule("encoder", new Encoder(config.KernelSize, config.OutChannels));
        decoder = RegisterModule("decoder", new Decoder(config.OutChannels, 1, config.KernelSize, config.Stride, config.Bias));
        var att = new MossFormerM(config.NumBlocks, config.DModel, config.Causal, config.GroupSize, config.QueryKeyDim,
            config.ExpansionFactor, config.AttnDropout);
        maskNet = RegisterModule("mask_net", new MossFormerMaskNet(config.InChannels, config.OutChannels,
            new ComputeAttention(att, config.OutChannels, config.Norm), config.Norm, config.NumSpks));
    }

    private readonly Encoder encoder;
    private readonly Decoder decoder;
    private readonly MossFormerMaskNet maskNet;

    /// <summary>The hyper-parameters.</summary>
    public MossFormerConfig Config { get; }

    /// <summary>Separates a mixture [B, T] (float32, at <see cref="MossFormerConfig.SampleRate"/>) into [B, T, S].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var w = encoder.call(input);                    // [B, N, L]
        var masks = maskNet.call(w);                    // [S, B, N, L]
        return MaskedDecoding.Run(decoder, w, masks, input.shape[^1]).MoveToOuterDisposeScope(); // [B, T, S]
    }

    /// <summary>
    /// Loads weights strictly: either one whole-model state dict (<c>encoder.</c>, <c>decoder.</c>, <c>mask_net.</c>
    /// keys) or, when <paramref name="path"/> is a directory, ModelScope's split files <c>encoder.bin</c>,
    /// <c>decoder.bin</c>, <c>masknet.bin</c> (each without its prefix).
    /// </summary>
    public void LoadCheckpoint(string path)
    {
        var sd = Directory.Exists(path)
            ? Serialization.StateDict.LoadMany([
                (Path.Combine(path, "encoder.bin"), "encoder."),
                (Path.Combine(path, "decoder.bin"), "decoder."),
                (Path.Combine(path, "masknet.bin"), "mask_net.")])
            : Serialization.StateDict.Load(path);
        this.LoadStateDict(sd, strict: true);
    }
}
