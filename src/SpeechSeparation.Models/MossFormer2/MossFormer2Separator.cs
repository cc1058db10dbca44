using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// MossFormer2 speech separator (ModelScope <c>MossFormer2</c>; ClearerVoice-Studio's inner <c>MossFormer</c> of
/// <c>MossFormer2_SS_16K</c> is the same network with the same keys): <c>enc</c> (<see cref="Encoder"/>),
/// <c>mask_net</c> (<see cref="MossFormerMaskNet"/> around <see cref="ComputationBlock"/>), <c>dec</c>
/// (<see cref="Decoder"/>). <see cref="forward(Tensor)"/> returns ModelScope's layout <b>[B, T, S]</b>; ClearerVoice
/// returns a list of S tensors [B, T], i.e. <c>forward(x).permute(2, 0, 1)</c>.
/// </summary>
public sealed class MossFormer2Separator : Module<Tensor, Tensor>
{
    /// <summary>Creates the model (random weights; load a checkpoint with <see cref="LoadCheckpoint"/>).</summary>
    public MossFormer2Separator(MossFormer2Config? config = null)
    {
        Config = (config ??= MossFormer2Config.ModelScope8k).Validate();
        enc = RegisterModule("enc", new Encoder(config.KernelSize, config.InChannels));
        var intra = new MossFormer2M(config.NumBlocks, config.OutChannels, config);
        maskNet = RegisterModule("mask_net", new MossFormerMaskNet(config.InChannels, config.OutChannels,
            new ComputationBlock(intra, config.OutChannels, config.Norm, config.SkipAroundIntra), config.Norm, config.NumSpks,
            config.UseGlobalPosEnc));
        dec = RegisterModule("dec", new Decoder(config.OutChannels, 1, config.KernelSize, config.KernelSize / 2, bias: false));
    }

    private readonly Encoder enc;
    private readonly MossFormerMaskNet maskNet;
    private readonly Decoder dec;

    /// <summary>The hyper-parameters.</summary>
    public MossFormer2Config Config { get; }

    /// <summary>Separates a mixture [B, T] into [B, T, S].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var w = enc.call(input);                    // [B, N, L]
        var masks = maskNet.call(w);                // [S, B, N, L]
        return MaskedDecoding.Run(dec, w, masks, input.shape[^1], Config.ApplyMask).MoveToOuterDisposeScope(); // [B, T, S]
    }

    /// <summary>
    /// Loads a checkpoint strictly: ModelScope's <c>pytorch_model.bin</c> (a plain state dict) or ClearerVoice's
    /// <c>last_best_checkpoint.pt</c> (weights under <c>model</c>, keys possibly prefixed <c>module.</c>). Unlike the
    /// upstream loaders, nothing may be missing or left over. The authors' SpeechBrain layout is accepted too (a folder
    /// with <c>encoder.ckpt</c>/<c>masknet.ckpt</c>/<c>decoder.ckpt</c> or <c>pytorch_model.bin</c>, or that file; detected
    /// by its keys, renamed by <see cref="SpeechBrainLayout"/>).
    /// </summary>
    public void LoadCheckpoint(string path)
    {
        if (Directory.Exists(path))
        {
            try { this.LoadStateDict(SpeechBrainLayout.Load(path), strict: true); }
            catch (StateDictMismatchException e) { throw SpeechBrainLayout.Translate(e); }
            return;
        }
        var root = TorchCheckpoint.Load(path);
        IReadOnlyDictionary<string, HostTensor> sd;
        try { sd = Serialization.StateDict.Extract(root, "model"); }
        catch (InvalidDataException) { sd = Serialization.StateDict.Extract(root); }
        sd = NormalizeKeys(sd);
        if (!SpeechBrainLayout.Matches(sd.Keys))
        {
            this.LoadStateDict(sd, strict: true);
            return;
        }
        sd = SpeechBrainLayout.ToModelScope(SpeechBrainLayout.WithWrapperPrefix(sd));
        try { this.LoadStateDict(sd, strict: true); }
        catch (StateDictMismatchException e) { throw SpeechBrainLayout.Translate(e); }
    }

    /// <summary>Removes a <c>module.</c> prefix (DataParallel) from the keys that have one.</summary>
    public static IReadOnlyDictionary<string, HostTensor> NormalizeKeys(IReadOnlyDictionary<string, HostTensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var d = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (k, v) in stateDict) d[k.StartsWith("module.", StringComparison.Ordinal) ? k["module.".Length..] : k] = v;
        return d;
    }
}
