using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Models.MossFormer2Se;

namespace SpeechSeparation.Hub;

/// <summary>
/// Which files of a repository a model needs, by layout (checked in the order <see cref="ModelPackage"/> loads them):
/// the library's package (<c>speechsep.json</c> and the weights it names), a ModelScope folder (<c>configuration.json</c>
/// with <c>encoder.bin</c>/<c>decoder.bin</c>/<c>masknet.bin</c> or <c>pytorch_model.bin</c>), the SpeechBrain layout
/// (<c>config.json</c>, <c>hyperparams.yaml</c> when present, <c>encoder.ckpt</c>/<c>masknet.ckpt</c>/<c>decoder.ckpt</c>
/// or <c>pytorch_model.bin</c>), or a ClearerVoice-Studio checkpoint folder (<c>last_best_checkpoint</c> naming the
/// weights, else <c>last_best_checkpoint.pt</c>). READMEs, figures and other files are not fetched.
/// </summary>
internal static class ModelFiles
{
    /// <summary>The plan: small descriptor files (already fetched) and the weight files still to fetch.</summary>
    public sealed record Plan(IReadOnlyList<string> Descriptors, IReadOnlyList<string> Weights);

    /// <summary>Decides the files, fetching (through <paramref name="fetchSmall"/>, which returns a local path) the
    /// descriptors whose content names the weights.</summary>
    /// <param name="files">The repository's files (listing or cache).</param>
    /// <param name="what">The repository, for messages.</param>
    /// <param name="where">Where the files were looked for, for messages ("in the repository listing").</param>
    /// <param name="fetchSmall">Fetches one descriptor.</param>
    /// <exception cref="FileNotFoundException">No known layout, or a file it needs is missing; the message names it.</exception>
    public static async Task<Plan> PlanAsync(IReadOnlySet<string> files, string what, string where, Func<string, Task<string>> fetchSmall)
    {
        var descriptors = new List<string>();
        async Task<string> Descriptor(string f)
        {
            descriptors.Add(f);
            return await fetchSmall(f).ConfigureAwait(false);
        }
        string Need(string f) => files.Contains(f) ? f : throw new FileNotFoundException($"{what}: {f} is missing ({where}).", f);

        if (files.Contains(ModelPackage.MetadataFile))
        {
            var local = await Descriptor(ModelPackage.MetadataFile).ConfigureAwait(false);
            PackageMetadata meta;
            using (var s = File.OpenRead(local)) meta = ModelPackage.ReadMetadata(s, $"{what}: {ModelPackage.MetadataFile}");
            return new Plan(descriptors, [Need(meta.WeightsFile)]);
        }
        if (files.Contains(ModelPackage.ModelScopeConfig))
        {
            await Descriptor(ModelPackage.ModelScopeConfig).ConfigureAwait(false);
            if (files.Contains("masknet.bin")) return new Plan(descriptors, [Need("encoder.bin"), Need("decoder.bin"), Need("masknet.bin")]);
            return new Plan(descriptors, [Need(SpeechBrainLayout.SingleFile)]);
        }
        var sbFiles = SpeechBrainLayout.Files.Select(f => f.File).ToList();
        bool sbSplit = sbFiles.Any(files.Contains);
        if (sbSplit || (files.Contains(SpeechBrainLayout.SingleFile) && !files.Contains(MossFormer2Se.CheckpointPointerFile) && !files.Contains(MossFormer2Se.CheckpointPointerFile + ".pt")))
        {
            foreach (var d in new[] { ModelPackage.SpeechBrainConfig, "hyperparams.yaml" })
                if (files.Contains(d)) await Descriptor(d).ConfigureAwait(false);
            return new Plan(descriptors, sbSplit ? sbFiles.Select(Need).ToList() : [SpeechBrainLayout.SingleFile]);
        }
        const string pointer = MossFormer2Se.CheckpointPointerFile;
        if (files.Contains(pointer))
        {
            var local = await Descriptor(pointer).ConfigureAwait(false);
            var name = File.ReadLines(local).FirstOrDefault()?.Trim();
            if (!string.IsNullOrEmpty(name))
            {
                HubPaths.CheckRelative(name, $"{what}: {pointer}");
                if (files.Contains(name)) return new Plan(descriptors, [name]);
            }
            return new Plan(descriptors, [Need(pointer + ".pt")]);
        }
        if (files.Contains(pointer + ".pt")) return new Plan(descriptors, [pointer + ".pt"]);
        var shown = string.Join(", ", files.Order(StringComparer.Ordinal).Take(20)) + (files.Count > 20 ? ", …" : "");
        throw new FileNotFoundException($"{what} holds no model this library loads ({where}): none of {ModelPackage.MetadataFile}, {ModelPackage.ModelScopeConfig}, " +
                                        $"masknet.ckpt, {SpeechBrainLayout.SingleFile} or {pointer}(.pt). Files: {(files.Count == 0 ? "none" : shown)}.");
    }
}
