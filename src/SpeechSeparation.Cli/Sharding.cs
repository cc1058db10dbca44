using SpeechSeparation.Distributed.Sharding;

namespace SpeechSeparation.Cli;

/// <summary>
/// The sharding options of <c>speechsep separate|enhance</c>: <c>--shard K/N|auto|none</c> (default auto: from Slurm
/// array, Kubernetes Indexed Job or mpiexec variables, else none), <c>--shard-count N</c> (N for Indexed Jobs),
/// <c>--skip-existing</c> and <c>--manifest PATH</c> (JSON lines; <c>{shard}</c>/<c>{shards}</c> replaced).
/// </summary>
internal sealed class ShardingOptions
{
    public string? Shard { get; set; }
    public int? ShardCount { get; set; }
    public bool SkipExisting { get; set; }
    public string? Manifest { get; set; }

    public const string Usage = "       [--shard K/N|auto|none] [--shard-count N] [--skip-existing] [--manifest PATH.jsonl]";

    /// <summary>Handles one of the options at <c>args[i]</c> (advancing <paramref name="i"/> past its value); false for any other argument.</summary>
    public bool TryParse(string[] args, ref int i)
    {
        string Next(ref int j) => j + 1 < args.Length ? args[++j] : throw new ArgumentException($"{args[j]} needs a value.");
        switch (args[i])
        {
            case "--shard": Shard = Next(ref i); return true;
            case "--shard-count": ShardCount = int.Parse(Next(ref i), System.Globalization.CultureInfo.InvariantCulture); return true;
            case "--skip-existing": SkipExisting = true; return true;
            case "--manifest": Manifest = Next(ref i); return true;
            default: return false;
        }
    }

    /// <summary>The batch of this shard over <paramref name="files"/> (reordered only when sharded), with a notice on <paramref name="stderr"/>.</summary>
    public ShardedBatch Open(List<string> files, string command, TextWriter stderr)
    {
        var shard = Shard switch
        {
            null or "auto" => ShardSpec.FromEnvironment(Environment.GetEnvironmentVariable, ShardCount) ?? ShardSpec.All,
            "none" => ShardSpec.All,
            var text => ShardSpec.Parse(text),
        };
        if (ShardCount is { } n && shard.Count != n && !shard.IsAll)
            throw new ArgumentException($"--shard-count {n} contradicts shard {shard} ({shard.Source}).");
        var batch = new ShardedBatch(shard, SkipExisting, Manifest);
        if (!shard.IsAll)
        {
            int total = ShardSpec.CanonicalOrder(files).Count;
            var mine = batch.Select(files);
            files.Clear();
            files.AddRange(mine);
            stderr.WriteLine($"{command}: shard {shard} ({shard.Source}): {files.Count} of {total} inputs");
        }
        return batch;
    }
}
