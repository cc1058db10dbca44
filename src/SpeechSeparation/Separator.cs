using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Hub;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation;

/// <summary>
/// Loads separators. Accepted: a hub id — <c>hf:ORG/NAME[@REV]</c> (Hugging Face) or <c>modelscope:ORG/NAME[@REV]</c>,
/// downloaded into the shared <c>huggingface_hub</c>/<c>modelscope</c> cache by <see cref="ModelHub"/> (settings in
/// <see cref="SeparatorOptions.Hub"/>), then loaded as the folder it is — the library's model package (a folder or its <c>speechsep.json</c>, with
/// <c>model.safetensors</c>), or a bare PyTorch checkpoint (<c>.pt</c>/<c>.bin</c>, nested or <c>module.</c>-prefixed) with
/// <see cref="SeparatorOptions.Architecture"/> and <see cref="SeparatorOptions.ConfigJson"/>, or a ClearerVoice-Studio
/// checkpoint folder or <c>last_best_checkpoint.pt</c> (architecture read from the keys). A checkpoint that does not
/// fit raises <see cref="StateDictMismatchException"/> listing the missing, unexpected and mis-shaped keys.
/// </summary>
public static class Separator
{
    /// <summary>Loads a separator from a model package or checkpoint, a hub id (<c>hf:ORG/NAME[@REV]</c>,
    /// <c>modelscope:ORG/NAME[@REV]</c>), or the embedded default model when <paramref name="path"/> is
    /// <see cref="DefaultModel.Id"/> (or <c>default</c>).</summary>
    public static ISeparator Load(string path, SeparatorOptions? options = null) => new NetworkSeparator(ModelPackage.LoadNetwork(path, options ?? new()), options);

    /// <summary>
    /// Loads the embedded default model: a small MossFormer2 for two speakers at 8 kHz, trained by this library on real
    /// recorded speech (see docs/models/default-mossformer2-8k.md for its data, size and held-out scores).
    /// </summary>
    public static ISeparator Load(SeparatorOptions? options = null) => Load(DefaultModel.Id, options);
}

/// <summary>Loads enhancers (single-output networks); same formats as <see cref="Separator"/>.</summary>
public static class Enhancer
{
    /// <summary>Loads an enhancer from a model package or checkpoint, or a hub id (<c>hf:ORG/NAME[@REV]</c>, <c>modelscope:ORG/NAME[@REV]</c>).</summary>
    public static IEnhancer Load(string path, SeparatorOptions? options = null)
    {
        var network = ModelPackage.LoadNetwork(path, options ?? new());
        if (network.SourceNames.Count != 1)
        {
            network.Dispose();
            throw new InvalidOperationException($"'{path}' is a {network.SourceNames.Count}-source separator, not an enhancer.");
        }
        return new NetworkEnhancer(network, options);
    }
}

/// <summary>
/// The library's own model format: <c>speechsep.json</c> (architecture, sample rate, source names, upstream
/// hyper-parameters) beside <c>model.safetensors</c>.
/// </summary>
public static class ModelPackage
{
    /// <summary>The package's metadata file name.</summary>
    public const string MetadataFile = "speechsep.json";

    /// <summary>The package's weight file name.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>Writes a package (atomically per file) from a module's state dict.</summary>
    public static void Save(string directory, string architecture, int sampleRate, JsonObject config, torch.nn.Module module)
    {
        Directory.CreateDirectory(directory);
        SafeTensors.Save(Path.Combine(directory, WeightsFile), module.StateDictToHost());
        var meta = new JsonObject
        {
            ["format"] = "speechsep-model",
            ["version"] = 1,
            ["architecture"] = architecture,
            ["sample_rate"] = sampleRate,
            ["parameters"] = module.ParameterCount(),
            ["config"] = config.DeepClone(),
        };
        var path = Path.Combine(directory, MetadataFile);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, meta.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>A ModelScope model folder's configuration file.</summary>
    public const string ModelScopeConfig = "configuration.json";

    /// <summary>
    /// A ModelScope model folder as published: <c>configuration.json</c> (its <c>model</c> block names the type and
    /// hyper-parameters) with <c>encoder.bin</c>/<c>decoder.bin</c>/<c>masknet.bin</c> (MossFormer) or
    /// <c>pytorch_model.bin</c> (MossFormer2, FRCRN).
    /// </summary>
    private static ISeparationNetwork LoadModelScopeFolder(string dir, SeparatorOptions options)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ModelScopeConfig)));
        var root = doc.RootElement;
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.Object ? m.Clone() : default;
        string type = model.ValueKind == JsonValueKind.Object && model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        bool split = File.Exists(Path.Combine(dir, "masknet.bin"));
        string arch = options.Architecture
            ?? (split ? "mossformer"
                : type.Contains("mossformer2", StringComparison.OrdinalIgnoreCase) ? "mossformer2"
                : type.Contains("mossformer", StringComparison.OrdinalIgnoreCase) ? "mossformer"
                : type.Contains("frcrn", StringComparison.OrdinalIgnoreCase) ? "frcrn"
                : throw new NotSupportedException($"{Path.Combine(dir, ModelScopeConfig)}: model type '{type}' is not one this library runs (MossFormer, MossFormer2, FRCRN)."));
        var weights = ModelScopeWeights(dir) ?? throw new FileNotFoundException($"'{dir}' holds {ModelScopeConfig} but neither masknet.bin nor pytorch_model.bin.");
        return Architectures.Create(new NetworkSpec(arch, model, weights, null, options.Device) { Precision = options.Precision });
    }

    /// <summary>The state dict of a ModelScope folder: the three MossFormer files under their module prefixes, or
    /// <c>pytorch_model.bin</c>; null when the folder has neither.</summary>
    private static IReadOnlyDictionary<string, HostTensor>? ModelScopeWeights(string dir)
    {
        if (File.Exists(Path.Combine(dir, "masknet.bin")))
            return StateDict.LoadMany([(Path.Combine(dir, "encoder.bin"), "encoder."), (Path.Combine(dir, "decoder.bin"), "decoder."), (Path.Combine(dir, "masknet.bin"), "mask_net.")]);
        var single = Path.Combine(dir, "pytorch_model.bin");
        return File.Exists(single) ? StateDict.Load(single) : null;
    }

    /// <summary>The metadata file a path names: a package folder's <c>speechsep.json</c> (null when absent) or a
    /// <c>.json</c> path itself; null for anything else.</summary>
    private static string? PackageMetadataPath(string path) =>
        Directory.Exists(path) ? (File.Exists(Path.Combine(path, MetadataFile)) ? Path.Combine(path, MetadataFile) : null)
        : path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? path : null;

    /// <summary>Reads a package's metadata and the safetensors weights it names (<c>weights</c>, default
    /// <see cref="WeightsFile"/>, a file name next to the metadata).</summary>
    private static IReadOnlyDictionary<string, HostTensor> PackageWeights(string meta, out PackageMetadata metadata)
    {
        if (!File.Exists(meta)) throw new FileNotFoundException($"'{meta}' is not a SpeechSeparation model package: {MetadataFile} is missing.", meta);
        using (var stream = File.OpenRead(meta)) metadata = ReadMetadata(stream, meta);
        var dir = Path.GetDirectoryName(Path.GetFullPath(meta))!;
        return SafeTensors.Load(Path.Combine(dir, metadata.WeightsFile));
    }

    /// <summary>The largest metadata file read (a package's speechsep.json is a few kB).</summary>
    public const int MaxMetadataBytes = 1 << 20;

    /// <summary>
    /// Reads and checks a package's <c>speechsep.json</c>: a JSON object with a non-empty string <c>architecture</c>, an
    /// optional integer <c>sample_rate</c> (1 Hz to 1 MHz), an optional <c>config</c> object and an optional
    /// <c>weights</c> file name (no folders: the weights sit next to the metadata).
    /// </summary>
    /// <exception cref="InvalidDataException">Not JSON, too large, or a field of the wrong type or range; the message names it.</exception>
    public static PackageMetadata ReadMetadata(Stream metadata, string name = "model package")
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var doc = BoundedJson.Parse(metadata, MaxMetadataBytes, name + " metadata");
        using (doc)
        try
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{name}: the metadata must be a JSON object.");
            var arch = root.TryGetProperty("architecture", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            if (string.IsNullOrWhiteSpace(arch)) throw new InvalidDataException($"{name}: 'architecture' is missing or not a non-empty string.");
            int? rate = null;
            if (root.TryGetProperty("sample_rate", out var sr) && sr.ValueKind != JsonValueKind.Null)
            {
                if (sr.ValueKind != JsonValueKind.Number || !sr.TryGetInt32(out int r) || r < 1 || r > 1_000_000)
                    throw new InvalidDataException($"{name}: 'sample_rate' must be an integer between 1 and 1000000 Hz, not {sr.GetRawText()}.");
                rate = r;
            }
            JsonElement config = default;
            if (root.TryGetProperty("config", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{name}: 'config' must be a JSON object.");
                config = c.Clone();
            }
            string weights = WeightsFile;
            if (root.TryGetProperty("weights", out var w) && w.ValueKind != JsonValueKind.Null)
            {
                weights = w.ValueKind == JsonValueKind.String ? w.GetString()! : throw new InvalidDataException($"{name}: 'weights' must be a file name.");
                if (weights.Length == 0 || weights != Path.GetFileName(weights) || weights is "." or ".." || weights.IndexOfAny(['/', '\\', '\0']) >= 0)
                    throw new InvalidDataException($"{name}: 'weights' must name a file next to the metadata, not '{weights}'.");
            }
            return new PackageMetadata(arch, rate, config, weights);
        }
        catch (InvalidOperationException e)   // a string that does not transcode (e.g. an escaped lone surrogate)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
    }


    private static IReadOnlyDictionary<string, HostTensor> CheckpointFile(string path) =>
        path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafeTensors.Load(path) : StateDict.Load(path);

    /// <summary>
    /// The weights of any model <see cref="LoadNetwork(string, SeparatorOptions)"/> accepts — the embedded default model's
    /// name, a hub id (downloaded with <c>new HubOptions()</c>, i.e. the environment's settings), a package folder or its <c>speechsep.json</c>, a ModelScope folder (three-file MossFormer or
    /// <c>pytorch_model.bin</c>; <c>configuration.json</c> not needed), or a checkpoint file (<c>.safetensors</c> or
    /// <c>torch.save</c>) — without building a network: what fine-tuning starts from.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing usable at <paramref name="path"/>.</exception>
    public static IReadOnlyDictionary<string, HostTensor> LoadWeights(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (HubModelId.HasHubPrefix(path)) path = ModelHub.Download(path);
        if (DefaultModel.Names(path))
        {
            using var embedded = DefaultModel.OpenWeights();
            return SafeTensors.Load(embedded, out _);
        }
        if (PackageMetadataPath(path) is { } meta)
        {
            return PackageWeights(meta, out _);
        }
        if (Directory.Exists(path))
            return SpeechBrainLayout.Canonical(SpeechBrainFolderWeights(path) ?? ModelScopeWeights(path)
                   ?? (ClearerVoiceCheckpoint(path) is { } cv ? StateDict.Load(cv) : null)
                   ?? throw new FileNotFoundException($"'{path}' holds neither {MetadataFile} (a SpeechSeparation package) nor masknet.bin / pytorch_model.bin (a ModelScope model folder) nor masknet.ckpt (a SpeechBrain-layout folder) nor last_best_checkpoint.pt (a ClearerVoice-Studio folder)."));
        if (!File.Exists(path)) throw new FileNotFoundException($"No model at '{path}'.", path);
        return SpeechBrainLayout.Canonical(CheckpointFile(path));
    }

    /// <summary>Builds the network of a package given as streams (its <c>speechsep.json</c> and its safetensors weights).</summary>
    /// <param name="metadata">The package's metadata JSON.</param>
    /// <param name="weights">The package's safetensors weights.</param>
    /// <param name="options">Device and loading options.</param>
    /// <param name="name">Name used in error messages.</param>
    public static ISeparationNetwork LoadNetwork(Stream metadata, Stream weights, SeparatorOptions options, string name = "model package")
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(weights);
        return FromMetadata(ReadMetadata(metadata, name), SafeTensors.Load(weights, out _), options);
    }

    private static ISeparationNetwork FromMetadata(PackageMetadata metadata, IReadOnlyDictionary<string, HostTensor> weights, SeparatorOptions options) =>
        Architectures.Create(new NetworkSpec(metadata.Architecture, metadata.Config, weights, metadata.SampleRate, options.Device) { Precision = options.Precision });

    /// <summary>Builds the network a package or checkpoint describes.</summary>
    public static ISeparationNetwork LoadNetwork(string path, SeparatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Precision))
            throw new ArgumentOutOfRangeException(nameof(options), options.Precision, "SeparatorOptions.Precision must be Float32 or BFloat16.");
        if (HubModelId.HasHubPrefix(path))
        {
            var id = HubModelId.Parse(path);
            var hub = options.Hub ?? new HubOptions();
            if (hub.LoggerFactory is null && options.LoggerFactory is not null) hub = hub with { LoggerFactory = options.LoggerFactory };
            var dir = ModelHub.Download(id.ToString(), hub);
            if (options.Architecture is null && ModelCatalog.FindByHubId(id) is { LoadArchitecture: { } arch }) options = options with { Architecture = arch };
            return LoadNetwork(dir, options);
        }
        if (DefaultModel.Names(path))
        {
            using var metadata = DefaultModel.OpenMetadata();
            using var weights = DefaultModel.OpenWeights();
            return LoadNetwork(metadata, weights, options, DefaultModel.Id);
        }
        if (PackageMetadataPath(path) is { } meta)
        {
            var weights = PackageWeights(meta, out var metadata);
            return FromMetadata(metadata, weights, options);
        }
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, ModelScopeConfig)))
            return LoadModelScopeFolder(path, options);
        if (Directory.Exists(path) && SpeechBrainFolderWeights(path) is { } sbWeights)
            return CreateSpeechBrainLayout(path, sbWeights, options);
        if (Directory.Exists(path) && ClearerVoiceCheckpoint(path) is { } cvFile)
            return CreateClearerVoice(cvFile, StateDict.Load(cvFile), options);
        if (Directory.Exists(path))
            throw new FileNotFoundException($"'{path}' holds neither {MetadataFile} (a SpeechSeparation package), {ModelScopeConfig} (a ModelScope model folder), " +
                                            "encoder.ckpt/masknet.ckpt/decoder.ckpt or a SpeechBrain-layout pytorch_model.bin (an alibabasglab/mossformer2-* folder) " +
                                            "nor last_best_checkpoint(.pt) (a ClearerVoice-Studio checkpoint folder).");
        if (!File.Exists(path)) throw new FileNotFoundException($"No model at '{path}'.", path);
        var checkpoint = CheckpointFile(path);
        if (options.Architecture is null && SpeechBrainLayout.Matches(checkpoint.Keys))
            return CreateSpeechBrainLayout(Path.GetDirectoryName(Path.GetFullPath(path))!, checkpoint, options);
        if (options.Architecture is null && MossFormer2Se.Matches(checkpoint.Keys))
            return CreateClearerVoice(path, checkpoint, options);
        if (options.Architecture is null)
            throw new ArgumentException($"'{path}' is a bare checkpoint: say which architecture it is (SeparatorOptions.Architecture; known: {string.Join(", ", Architectures.Names)}).");
        var cfg = options.ConfigJson is null ? default : JsonDocument.Parse(options.ConfigJson).RootElement.Clone();
        return Architectures.Create(new NetworkSpec(options.Architecture, cfg, checkpoint, null, options.Device) { Precision = options.Precision });
    }

    /// <summary>
    /// The weight file of a ClearerVoice-Studio checkpoint folder (<c>checkpoints/&lt;model&gt;</c>: the file named by the
    /// text file <c>last_best_checkpoint</c>, else <c>last_best_checkpoint.pt</c>); null when the folder has neither.
    /// </summary>
    private static string? ClearerVoiceCheckpoint(string dir)
    {
        try { return MossFormer2Se.CheckpointFile(dir); }
        catch (FileNotFoundException) { return null; }
    }

    /// <summary>
    /// A ClearerVoice-Studio checkpoint (weights under <c>model</c>, <c>module.</c> prefix removed): the architecture is
    /// <see cref="SeparatorOptions.Architecture"/> if given, else read from the keys — <c>mossformer.*</c> is
    /// MossFormer2_SE_48K, <c>mask_net.*</c> MossFormer2_SS_16K.
    /// </summary>
    private static ISeparationNetwork CreateClearerVoice(string file, IReadOnlyDictionary<string, HostTensor> weights, SeparatorOptions options)
    {
        string arch = options.Architecture
            ?? (MossFormer2Se.Matches(weights.Keys) ? Families.MossFormer2SeFamily.ClearerVoiceName
                : weights.Keys.Any(k => k.StartsWith("mask_net.", StringComparison.Ordinal)) ? "MossFormer2_SS_16K"
                : throw new ArgumentException($"'{file}': cannot tell the architecture from its keys; say which it is (SeparatorOptions.Architecture; known: {string.Join(", ", Architectures.Names)})."));
        var cfg = options.ConfigJson is null ? default : JsonDocument.Parse(options.ConfigJson).RootElement.Clone();
        return Architectures.Create(new NetworkSpec(arch, cfg, weights, null, options.Device) { Precision = options.Precision });
    }

    /// <summary>The configuration file of the authors' SpeechBrain-layout repositories.</summary>
    public const string SpeechBrainConfig = "config.json";

    /// <summary>
    /// The weights of a folder in the authors' SpeechBrain layout (<c>alibabasglab/mossformer2-*</c>): the three
    /// <c>.ckpt</c> files, or a <c>pytorch_model.bin</c> whose keys are in that layout; null otherwise.
    /// </summary>
    private static IReadOnlyDictionary<string, HostTensor>? SpeechBrainFolderWeights(string dir)
    {
        if (SpeechBrainLayout.Files.Any(f => File.Exists(Path.Combine(dir, f.File)))) return SpeechBrainLayout.LoadWrapper(dir);
        var single = Path.Combine(dir, SpeechBrainLayout.SingleFile);
        if (!File.Exists(single)) return null;
        var weights = StateDict.Load(single);
        return SpeechBrainLayout.Matches(weights.Keys) ? weights : null;
    }

    /// <summary>MossFormer2 from SpeechBrain-layout weights, configured by <see cref="SeparatorOptions.ConfigJson"/>, else
    /// the folder's <c>config.json</c>, else what the weights say.</summary>
    private static ISeparationNetwork CreateSpeechBrainLayout(string dir, IReadOnlyDictionary<string, HostTensor> weights, SeparatorOptions options)
    {
        var configPath = Path.Combine(dir, SpeechBrainConfig);
        JsonElement cfg = options.ConfigJson is not null ? JsonDocument.Parse(options.ConfigJson).RootElement.Clone()
            : File.Exists(configPath) ? JsonDocument.Parse(File.ReadAllText(configPath)).RootElement.Clone()
            : default;
        return Architectures.Create(new NetworkSpec(options.Architecture ?? Families.MossFormer2Family.ArchitectureName, cfg, weights, null, options.Device) { Precision = options.Precision });
    }
}

/// <summary>A model package's checked metadata (<see cref="ModelPackage.ReadMetadata"/>).</summary>
/// <param name="Architecture">Architecture name for <see cref="Architectures"/>.</param>
/// <param name="SampleRate">The package's sample rate, or null for the architecture's default.</param>
/// <param name="Config">Upstream hyper-parameters (a JSON object, or <c>default</c> when absent).</param>
/// <param name="WeightsFile">The safetensors file next to the metadata.</param>
public sealed record PackageMetadata(string Architecture, int? SampleRate, JsonElement Config, string WeightsFile);
