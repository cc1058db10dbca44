namespace SpeechSeparation.Distributed.Sharding;

/// <summary>
/// One shard of a batch job over files (<c>speechsep separate|enhance --shard K/N</c>): picks the shard's inputs, tells
/// which ones an earlier run finished (<see cref="ShouldSkip"/>, with <c>--skip-existing</c>), and records every input's
/// outcome in an optional <see cref="ShardManifest"/>.
/// </summary>
public sealed class ShardedBatch : IDisposable
{
    /// <summary>A batch over <paramref name="shard"/>.</summary>
    /// <param name="shard">The shard (<see cref="ShardSpec.All"/> for everything).</param>
    /// <param name="skipExisting">Skip inputs whose outputs exist (and, with a manifest, that it records as done).</param>
    /// <param name="manifestPath">Where to append the JSON-lines manifest (<c>{shard}</c>/<c>{shards}</c> replaced), or null.</param>
    public ShardedBatch(ShardSpec shard, bool skipExisting = false, string? manifestPath = null)
    {
        Shard = shard ?? throw new ArgumentNullException(nameof(shard));
        SkipExisting = skipExisting;
        Manifest = manifestPath is null ? null : new ShardManifest(ShardManifest.PathFor(manifestPath, shard));
    }

    /// <summary>The shard.</summary>
    public ShardSpec Shard { get; }

    /// <summary>Whether finished inputs are skipped.</summary>
    public bool SkipExisting { get; }

    /// <summary>The manifest, or null.</summary>
    public ShardManifest? Manifest { get; }

    /// <summary>This shard's inputs among <paramref name="files"/> (full paths, canonical order).</summary>
    public IReadOnlyList<string> Select(IEnumerable<string> files) => Shard.Select(files);

    /// <summary>
    /// With <see cref="SkipExisting"/>: true when every one of <paramref name="expectedOutputs"/> exists and, when there is
    /// a manifest, it records the input as done (an output of an interrupted run can exist half-written; the manifest
    /// line is written only after the outputs). An input that is not skipped should be processed replacing its outputs.
    /// </summary>
    public bool ShouldSkip(string input, IReadOnlyList<string> expectedOutputs)
    {
        ArgumentNullException.ThrowIfNull(expectedOutputs);
        if (!SkipExisting || expectedOutputs.Count == 0 || !expectedOutputs.All(File.Exists)) return false;
        return Manifest is null || Manifest.IsDone(input);
    }

    /// <summary>Records an input done now.</summary>
    public void Completed(string input, IReadOnlyList<string> outputs, TimeSpan elapsed) =>
        Manifest?.Append(input, outputs, ManifestRecord.Ok, null, Shard, elapsed.TotalSeconds);

    /// <summary>Records an input skipped because an earlier run finished it.</summary>
    public void Skipped(string input, IReadOnlyList<string> outputs) =>
        Manifest?.Append(input, outputs, ManifestRecord.Skipped, null, Shard, 0);

    /// <summary>Records an input that failed.</summary>
    public void Failed(string input, string error, TimeSpan elapsed) =>
        Manifest?.Append(input, [], ManifestRecord.Failed, error, Shard, elapsed.TotalSeconds);

    /// <inheritdoc />
    public void Dispose() => Manifest?.Dispose();
}
