namespace SpeechSeparation;

/// <summary>
/// The model embedded in this assembly, used by <see cref="Separator.Load(SeparatorOptions?)"/>: a small MossFormer2
/// (2 speakers, 8 kHz) trained with this library's own training pipeline on real recorded speech from Debian packages
/// (asterisk prompt voices, codec2 example speakers), with speakers held out for validation. Its model card is
/// docs/models/default-mossformer2-8k.md; its recipe recipes/default-mossformer2-8k.json.
/// </summary>
public static class DefaultModel
{
    /// <summary>Catalogue id of the embedded model (also accepted by <see cref="Separator.Load(string, SeparatorOptions?)"/>).</summary>
    public const string Id = "speechsep/mossformer2-tiny-8k";

    private const string MetadataResource = "SpeechSeparation.DefaultModel.speechsep.json";
    private const string WeightsResource = "SpeechSeparation.DefaultModel.model.safetensors";

    /// <summary>
    /// True when <paramref name="nameOrPath"/> names the embedded model (<see cref="Id"/> or <c>default</c>) rather than a
    /// path: an existing file or folder of that name is a path and wins.
    /// </summary>
    public static bool Names(string? nameOrPath) =>
        (string.Equals(nameOrPath, Id, StringComparison.OrdinalIgnoreCase) || string.Equals(nameOrPath, "default", StringComparison.OrdinalIgnoreCase))
        && !File.Exists(nameOrPath) && !Directory.Exists(nameOrPath);

    /// <summary>Opens the embedded package's <c>speechsep.json</c>.</summary>
    public static Stream OpenMetadata() => Open(MetadataResource);

    /// <summary>Opens the embedded package's <c>model.safetensors</c>.</summary>
    public static Stream OpenWeights() => Open(WeightsResource);

    /// <summary>Writes the embedded package to a folder (<c>speechsep.json</c> + <c>model.safetensors</c>), e.g. to fine-tune it.</summary>
    public static void Export(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (resource, file) in new[] { (MetadataResource, ModelPackage.MetadataFile), (WeightsResource, ModelPackage.WeightsFile) })
        {
            using var source = Open(resource);
            using var target = File.Create(Path.Combine(directory, file));
            source.CopyTo(target);
        }
    }

    private static Stream Open(string resource) =>
        typeof(DefaultModel).Assembly.GetManifestResourceStream(resource)
        ?? throw new InvalidOperationException($"The embedded default model is missing from {typeof(DefaultModel).Assembly.GetName().Name} (resource '{resource}').");
}
