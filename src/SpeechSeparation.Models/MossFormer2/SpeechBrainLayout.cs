using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// The SpeechBrain layout of the MossFormer2 authors' Hugging Face repositories (<c>alibabasglab/mossformer2-*</c>):
/// <c>encoder.ckpt</c>, <c>masknet.ckpt</c>, <c>decoder.ckpt</c> (each a bare module state dict) or one
/// <c>pytorch_model.bin</c> with the same tensors under <c>encoder.</c>, <c>masknet.</c>, <c>decoder.</c>. The network is
/// <see cref="MossFormer2Separator"/>; only the module tree differs, so loading is a one-to-one key renaming onto the
/// ModelScope names (<see cref="ToModelScopeKey"/>), followed by the usual strict load.
/// </summary>
public static class SpeechBrainLayout
{
    /// <summary>The three SpeechBrain checkpointer files and the wrapper prefix each one's keys take.</summary>
    public static IReadOnlyList<(string File, string Prefix)> Files { get; } =
        [("encoder.ckpt", "encoder."), ("masknet.ckpt", "masknet."), ("decoder.ckpt", "decoder.")];

    /// <summary>The single-file form written by <c>PyTorchModelHubMixin</c>.</summary>
    public const string SingleFile = "pytorch_model.bin";

    // Rules of the mask net, applied in order (first match wins); the last one is the catch-all prefix.
    private static readonly (string From, string To)[] MaskNetRules =
    [
        ("dual_mdl.0.intra_mdl.mdl.flashT.", "mask_net.mdl.intra_mdl.mossformerM."),
        ("dual_mdl.0.intra_mdl.mdl.norm.norm.", "mask_net.mdl.intra_mdl.norm."),
        ("dual_mdl.0.intra_norm.", "mask_net.mdl.intra_norm."),
    ];

    /// <summary>
    /// True when the keys are in the SpeechBrain layout: the wrapper's <c>masknet.dual_mdl.</c> or a bare
    /// <c>masknet.ckpt</c>'s <c>dual_mdl.</c> prefix (a <c>module.</c> prefix is ignored). Decided by the keys, not the
    /// file names.
    /// </summary>
    public static bool Matches(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Any(k =>
        {
            var key = k.StartsWith("module.", StringComparison.Ordinal) ? k["module.".Length..] : k;
            return key.StartsWith("masknet.dual_mdl.", StringComparison.Ordinal) || key.StartsWith("dual_mdl.", StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// The ModelScope / ClearerVoice name of a key in the wrapper layout (<c>encoder.*</c>, <c>masknet.*</c>,
    /// <c>decoder.*</c>, as in <c>pytorch_model.bin</c>).
    /// </summary>
    /// <exception cref="InvalidDataException">The key belongs to none of the three modules.</exception>
    public static string ToModelScopeKey(string wrapperKey)
    {
        ArgumentNullException.ThrowIfNull(wrapperKey);
        var key = wrapperKey.StartsWith("module.", StringComparison.Ordinal) ? wrapperKey["module.".Length..] : wrapperKey;
        int dot = key.IndexOf('.', StringComparison.Ordinal);
        string module = dot < 0 ? key : key[..dot], rest = dot < 0 ? "" : key[(dot + 1)..];
        return module switch
        {
            "encoder" => "enc." + rest,
            "decoder" => "dec." + rest,
            "masknet" => MaskNetKey(rest),
            _ => throw new InvalidDataException(
                $"Key '{wrapperKey}' is not in the SpeechBrain MossFormer2 layout: it must start with 'encoder.', 'masknet.' or 'decoder.'."),
        };
    }

    private static string MaskNetKey(string rest)
    {
        foreach (var (from, to) in MaskNetRules)
            if (rest.StartsWith(from, StringComparison.Ordinal)) return to + rest[from.Length..];
        return "mask_net." + rest;
    }

    /// <summary>The SpeechBrain wrapper-layout name of a ModelScope key (the rules read right to left).</summary>
    /// <exception cref="InvalidDataException">The key is not one of the network's three modules.</exception>
    public static string FromModelScopeKey(string modelScopeKey)
    {
        ArgumentNullException.ThrowIfNull(modelScopeKey);
        if (modelScopeKey.StartsWith("enc.", StringComparison.Ordinal)) return "encoder." + modelScopeKey["enc.".Length..];
        if (modelScopeKey.StartsWith("dec.", StringComparison.Ordinal)) return "decoder." + modelScopeKey["dec.".Length..];
        foreach (var (from, to) in MaskNetRules)
            if (modelScopeKey.StartsWith(to, StringComparison.Ordinal)) return "masknet." + from + modelScopeKey[to.Length..];
        if (modelScopeKey.StartsWith("mask_net.", StringComparison.Ordinal)) return "masknet." + modelScopeKey["mask_net.".Length..];
        throw new InvalidDataException($"Key '{modelScopeKey}' is not a MossFormer2 key (enc., mask_net., dec.).");
    }

    /// <summary>
    /// Renames a wrapper-layout state dict onto the ModelScope names, in the same order. A bare <c>masknet.ckpt</c> (keys
    /// starting <c>dual_mdl.</c>) must be given its <c>masknet.</c> prefix first (<see cref="Load"/> does this).
    /// </summary>
    /// <exception cref="InvalidDataException">A key outside the three modules, or two keys with one target name.</exception>
    public static IReadOnlyDictionary<string, HostTensor> ToModelScope(IReadOnlyDictionary<string, HostTensor> wrapperLayout)
    {
        ArgumentNullException.ThrowIfNull(wrapperLayout);
        var renamed = new OrderedDictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (k, v) in wrapperLayout)
        {
            var name = ToModelScopeKey(k);
            if (!renamed.TryAdd(name, v))
                throw new InvalidDataException($"Keys '{k}' and another both map to '{name}'.");
        }
        return renamed;
    }

    /// <summary>
    /// Weights in the library's (ModelScope) names: SpeechBrain-layout MossFormer2 weights (with or without the wrapper
    /// prefix) are renamed, anything else is returned as it is.
    /// </summary>
    public static IReadOnlyDictionary<string, HostTensor> Canonical(IReadOnlyDictionary<string, HostTensor> weights) =>
        Matches(weights.Keys) ? ToModelScope(WithWrapperPrefix(weights)) : weights;

    /// <summary>
    /// The weights of a SpeechBrain-layout model, renamed onto the ModelScope names: a folder with the three
    /// <c>.ckpt</c> files (preferred: they are what upstream's own loader reads strictly) or <c>pytorch_model.bin</c>,
    /// or one such file.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder holds neither form, or one of the three files is missing.</exception>
    /// <exception cref="InvalidDataException">The weights are not in this layout.</exception>
    public static IReadOnlyDictionary<string, HostTensor> Load(string path) => ToModelScope(LoadWrapper(path));

    /// <summary>As <see cref="Load"/>, keeping the wrapper-layout names (<c>encoder.*</c>, <c>masknet.*</c>, <c>decoder.*</c>).</summary>
    public static IReadOnlyDictionary<string, HostTensor> LoadWrapper(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        IReadOnlyDictionary<string, HostTensor> wrapper;
        if (Directory.Exists(path))
        {
            var present = Files.Where(f => File.Exists(Path.Combine(path, f.File))).ToList();
            if (present.Count > 0)
            {
                var missing = Files.Where(f => !File.Exists(Path.Combine(path, f.File))).Select(f => f.File).ToList();
                if (missing.Count > 0)
                    throw new FileNotFoundException($"'{path}' is a SpeechBrain-layout MossFormer2 folder without {string.Join(", ", missing)}.");
                wrapper = StateDict.LoadMany(Files.Select(f => (Path.Combine(path, f.File), f.Prefix)));
            }
            else if (File.Exists(Path.Combine(path, SingleFile)))
                wrapper = StateDict.Load(Path.Combine(path, SingleFile));
            else
                throw new FileNotFoundException($"'{path}' holds neither encoder.ckpt/masknet.ckpt/decoder.ckpt nor {SingleFile}.");
        }
        else
            wrapper = StateDict.Load(path);
        if (!Matches(wrapper.Keys))
            throw new InvalidDataException($"'{path}' is not a SpeechBrain-layout MossFormer2 checkpoint: no key starts with 'masknet.dual_mdl.'.");
        return WithWrapperPrefix(wrapper);
    }

    /// <summary>A bare <c>masknet.ckpt</c>'s keys (<c>dual_mdl.…</c>) get their <c>masknet.</c> prefix; wrapper-layout
    /// weights come back as they are.</summary>
    public static IReadOnlyDictionary<string, HostTensor> WithWrapperPrefix(IReadOnlyDictionary<string, HostTensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return weights.Keys.Any(k => k.StartsWith("masknet.", StringComparison.Ordinal)) ? weights : StateDict.AddPrefix(weights, "masknet.");
    }

    /// <summary>
    /// The same mismatch with every key named as it is in the SpeechBrain-layout files (<c>masknet.dual_mdl.0…</c>),
    /// followed by the library's name, so that a user can find the key in the checkpoint they have.
    /// </summary>
    public static StateDictMismatchException Translate(StateDictMismatchException mismatch)
    {
        ArgumentNullException.ThrowIfNull(mismatch);
        static string Name(string entry)
        {
            int colon = entry.IndexOf(':', StringComparison.Ordinal);
            string key = colon < 0 ? entry : entry[..colon], tail = colon < 0 ? "" : entry[colon..];
            try { return $"{FromModelScopeKey(key)} (= {key}){tail}"; }
            catch (InvalidDataException) { return entry; }
        }
        var r = mismatch.Result;
        return new StateDictMismatchException("MossFormer2 (SpeechBrain layout)",
            new StateDictLoadResult([.. r.MissingKeys.Select(Name)], [.. r.UnexpectedKeys.Select(Name)], [.. r.MisShapedKeys.Select(Name)]));
    }

    /// <summary>
    /// Infers the configuration from ModelScope-named weights (after <see cref="ToModelScope"/>): encoder width and
    /// kernel, speaker count and depth. What the weights cannot tell (sample rate, output branch) keeps its default.
    /// </summary>
    /// <exception cref="InvalidDataException">A key the inference needs is missing.</exception>
    public static MossFormer2Config InferConfig(IReadOnlyDictionary<string, HostTensor> modelScopeWeights)
    {
        ArgumentNullException.ThrowIfNull(modelScopeWeights);
        HostTensor Need(string key) => modelScopeWeights.TryGetValue(key, out var t)
            ? t : throw new InvalidDataException($"Cannot infer the MossFormer2 configuration: '{key}' is missing.");
        var enc = Need("enc.conv1d.weight");                 // [N, 1, K]
        var outConv = Need("mask_net.conv1d_out.weight");    // [N·S, N, 1]
        int n = (int)enc.Shape[0];
        const string fsmn = "mask_net.mdl.intra_mdl.mossformerM.fsmn.";
        int blocks = modelScopeWeights.Keys.Where(k => k.StartsWith(fsmn, StringComparison.Ordinal))
            .Select(k => k[fsmn.Length..]).Select(k => k[..k.IndexOf('.', StringComparison.Ordinal)]).Distinct().Count();
        return new MossFormer2Config
        {
            InChannels = n, OutChannels = (int)outConv.Shape[1], KernelSize = (int)enc.Shape[^1],
            NumSpks = (int)(outConv.Shape[0] / outConv.Shape[1]), NumBlocks = blocks,
        };
    }
}
