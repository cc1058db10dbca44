using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2Se;

/// <summary>
/// The network of ClearerVoice-Studio's <c>MossFormer2_SE_48K</c> (upstream <c>TestNet</c>): <c>mossformer</c> =
/// <see cref="MossFormerMaskNet"/>(in 180, d 512, out 961) around MossFormer2's <see cref="ComputationBlock"/>, whose
/// layers are the shared <see cref="FlashShareAFFConvM"/> attention units paired with the non-dilated
/// <see cref="GatedFsmnBlock"/>. Features [B, L, 180] (fbank, Δ, ΔΔ) → ReLU mask of speaker 0 [B, L, 961]. State-dict
/// keys <c>mossformer.*</c>, as in <c>last_best_checkpoint.pt</c>; speaker 1's head rows are loaded but never computed.
/// The signal path around it is <see cref="MossFormer2SeEnhancer"/>.
/// </summary>
public sealed class MossFormer2Se : Module<Tensor, Tensor>
{
    /// <summary>Creates the network (random weights; load a checkpoint with <see cref="LoadCheckpoint"/>).</summary>
    public MossFormer2Se(MossFormer2SeConfig? config = null)
    {
        Config = config ??= MossFormer2SeConfig.Published;
        long d = config.OutChannels;
        var stack = new MossformerBlockGfsmn(d, config.NumBlocks, dim => new GatedFsmnBlock(dim, config.FsmnInnerChannels, config.FsmnLorder),
            config.GroupSize, config.QueryKeyDim, config.ExpansionFactor, false, config.AttnDropout, true);
        var core = new ComputationBlock(new MossFormer2M(stack, d), d, config.Norm, config.SkipAroundIntra);
        maskNet = RegisterModule("mossformer", new MossFormerMaskNet(config.InChannels, d, core, config.Norm, config.NumSpks,
            config.UseGlobalPosEnc, config.OutChannelsFinal));
    }

    private readonly MossFormerMaskNet maskNet;

    /// <summary>The hyper-parameters.</summary>
    public MossFormer2SeConfig Config { get; }

    /// <summary>
    /// Features [B, L, in_channels] → mask [B, L, out_channels_final] (speaker 0, ReLU, ≥ 0). Only speaker 0's head is
    /// computed (<see cref="MossFormerMaskNet.ForwardSpeaker"/>).
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        CheckFeatures(input);
        using var scope = torch.NewDisposeScope();
        var mask = maskNet.ForwardSpeaker(input.transpose(1, 2), 0);    // [B, 961, L]
        return mask.transpose(1, 2).MoveToOuterDisposeScope();          // [B, L, 961]
    }

    /// <summary>
    /// The same mask as <see cref="forward(Tensor)"/> by upstream's full path: the mask net's own forward computes the
    /// heads of every speaker and speaker 0 is kept. For conformance checks, whose forward hooks on <c>mossformer</c>
    /// (the mask net: <c>masks</c> [S, B, 961, L]) and on its <c>conv1d_out</c> and <c>conv1_decoder</c> only fire on
    /// this path.
    /// </summary>
    public Tensor ForwardFullPath(Tensor input)
    {
        CheckFeatures(input);
        using var scope = torch.NewDisposeScope();
        var masks = maskNet.call(input.transpose(1, 2));                // [S, B, 961, L]
        return masks.select(0, 0).transpose(1, 2).MoveToOuterDisposeScope(); // [B, L, 961]
    }

    private void CheckFeatures(Tensor input)
    {
        if (input.dim() != 3 || input.shape[2] != Config.InChannels)
            throw new ArgumentException($"MossFormer2_SE expects features [B, L, {Config.InChannels}], got [{string.Join(", ", input.shape)}].", nameof(input));
    }

    /// <summary>
    /// Loads ClearerVoice's <c>last_best_checkpoint.pt</c> (weights under <c>model</c>, keys <c>mossformer.*</c> with or
    /// without a <c>module.</c> prefix), a folder holding it, or any state-dict file with these keys — strictly: unlike
    /// upstream's lenient loader, a missing, unexpected or mis-shaped key raises <see cref="StateDictMismatchException"/>.
    /// </summary>
    public void LoadCheckpoint(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        this.LoadStateDict(NormalizeKeys(StateDict.Load(CheckpointFile(path), null, stripDataParallelPrefix: false)), strict: true);
    }

    /// <summary>The name of ClearerVoice's text file naming the weight file of a checkpoint folder.</summary>
    public const string CheckpointPointerFile = "last_best_checkpoint";

    /// <summary>The weight file of a ClearerVoice checkpoint folder (the file named by the first line of
    /// <c>last_best_checkpoint</c>, else <c>last_best_checkpoint.pt</c>), or <paramref name="path"/> itself when it is a file.</summary>
    /// <exception cref="FileNotFoundException">The folder holds neither.</exception>
    public static string CheckpointFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Directory.Exists(path)) return path;
        var pointer = Path.Combine(path, CheckpointPointerFile);
        if (File.Exists(pointer))
        {
            var name = File.ReadLines(pointer).FirstOrDefault()?.Trim();
            if (!string.IsNullOrEmpty(name) && File.Exists(Path.Combine(path, name))) return Path.Combine(path, name);
        }
        var pt = Path.Combine(path, CheckpointPointerFile + ".pt");
        if (File.Exists(pt)) return pt;
        throw new FileNotFoundException($"'{path}' holds neither a '{CheckpointPointerFile}' file naming the weights nor '{CheckpointPointerFile}.pt'.");
    }

    /// <summary>Removes a <c>module.</c> prefix (DataParallel) from every key that has one.</summary>
    public static IReadOnlyDictionary<string, HostTensor> NormalizeKeys(IReadOnlyDictionary<string, HostTensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var d = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (k, v) in stateDict) d[k.StartsWith(StateDict.DataParallelPrefix, StringComparison.Ordinal) ? k[StateDict.DataParallelPrefix.Length..] : k] = v;
        return d;
    }

    /// <summary>True when the keys are this network's (<c>mossformer.</c> prefix, optionally after <c>module.</c>).</summary>
    public static bool Matches(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Any(k => k.StartsWith("mossformer.", StringComparison.Ordinal) || k.StartsWith("module.mossformer.", StringComparison.Ordinal));
    }

    /// <summary>
    /// Infers the network's hyper-parameters from its weights (widths, depth, heads, mask width); the inference
    /// arguments (rate, STFT, mels) keep their published values except that <c>num_mels</c> follows the input width and
    /// <c>fft_len</c> the mask width.
    /// </summary>
    /// <exception cref="InvalidDataException">A key the inference needs is missing.</exception>
    public static MossFormer2SeConfig InferConfig(IReadOnlyDictionary<string, HostTensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        weights = NormalizeKeys(weights);
        HostTensor Need(string key) => weights.TryGetValue(key, out var t)
            ? t : throw new InvalidDataException($"Cannot infer the MossFormer2_SE configuration: '{key}' is missing.");
        var enc = Need("mossformer.conv1d_encoder.weight");    // [d, in, 1]
        var outConv = Need("mossformer.conv1d_out.weight");    // [d·S, d, 1]
        var dec = Need("mossformer.conv1_decoder.weight");     // [out_final, d, 1]
        const string fsmn = "mossformer.mdl.intra_mdl.mossformerM.fsmn.";
        int blocks = weights.Keys.Where(k => k.StartsWith(fsmn, StringComparison.Ordinal))
            .Select(k => k[fsmn.Length..]).Select(k => k[..k.IndexOf('.', StringComparison.Ordinal)]).Distinct().Count();
        int d = (int)enc.Shape[0], inCh = (int)enc.Shape[1], outFinal = (int)dec.Shape[0];
        var c = new MossFormer2SeConfig
        {
            InChannels = inCh, OutChannels = d, OutChannelsFinal = outFinal, NumBlocks = blocks,
            NumSpks = (int)(outConv.Shape[0] / d), UseGlobalPosEnc = weights.ContainsKey("mossformer.pos_enc.scale"),
        };
        if (inCh % 3 == 0) c = c with { NumMels = inCh / 3 };
        if ((outFinal - 1) * 2 != c.FftLen) c = c with { FftLen = (outFinal - 1) * 2, WinLen = Math.Min(c.WinLen, (outFinal - 1) * 2) };
        return c;
    }
}
