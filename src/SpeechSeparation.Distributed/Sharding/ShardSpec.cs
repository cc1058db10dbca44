using System.Globalization;
using SpeechSeparation.Distributed.Mpi;

namespace SpeechSeparation.Distributed.Sharding;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>: one of N independent jobs over a set of inputs. The inputs are put in a
/// canonical order (full paths, ordinal, duplicates removed) and shard K takes positions K, K + N, K + 2N…, so the N
/// shards are disjoint, cover every input exactly once, differ in size by at most one, and do not depend on the order
/// in which a file system or a shell listed the inputs.
/// </summary>
/// <param name="Index">This shard, 0 … <see cref="Count"/> − 1.</param>
/// <param name="Count">Shards in the job (N).</param>
/// <param name="Source">Where the shard came from (an option, or the environment variables read).</param>
public sealed record ShardSpec(int Index, int Count, string Source)
{
    /// <summary>Environment variable giving N for Kubernetes Indexed Jobs (whose pods only get <c>JOB_COMPLETION_INDEX</c>).</summary>
    public const string CountVariable = "SPEECHSEP_SHARD_COUNT";

    /// <summary>The whole input set (shard 0 of 1).</summary>
    public static ShardSpec All { get; } = new(0, 1, "none");

    /// <summary>Whether this is the whole input set.</summary>
    public bool IsAll => Count == 1;

    /// <inheritdoc />
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Parses <c>K/N</c> (0 ≤ K &lt; N).</summary>
    /// <exception cref="FormatException">Not of that form.</exception>
    public static ShardSpec Parse(string text, string source = "--shard")
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new FormatException($"A shard is K/N with 0 ≤ K < N (e.g. 0/4), not '{text}'.");
        return Create(k, n, source);
    }

    private static ShardSpec Create(int index, int count, string source)
    {
        if (count < 1) throw new FormatException($"{source}: the shard count must be at least 1, not {count}.");
        if (index < 0 || index >= count) throw new FormatException($"{source}: shard {index} is not in 0 … {count - 1}.");
        return new ShardSpec(index, count, source);
    }

    /// <summary>
    /// The shard a cluster scheduler gave this process, or null: a Slurm job array (<c>SLURM_ARRAY_TASK_ID</c>,
    /// <c>SLURM_ARRAY_TASK_COUNT</c>; K counts from <c>SLURM_ARRAY_TASK_MIN</c> in steps of <c>SLURM_ARRAY_TASK_STEP</c>),
    /// a Kubernetes Indexed Job (<c>JOB_COMPLETION_INDEX</c>, with N from <paramref name="count"/> or
    /// <c>SPEECHSEP_SHARD_COUNT</c>: Kubernetes does not tell pods the completion count), or an MPI launcher
    /// (<c>PMI_RANK</c>/<c>PMI_SIZE</c> of MPICH and MS-MPI, <c>OMPI_COMM_WORLD_RANK</c>/<c>SIZE</c> of Open MPI), in that order.
    /// </summary>
    /// <param name="getVariable">Reads an environment variable (null when unset).</param>
    /// <param name="count">N given on the command line (for Indexed Jobs).</param>
    /// <exception cref="FormatException">A variable is malformed, or an Indexed Job index comes without N.</exception>
    public static ShardSpec? FromEnvironment(Func<string, string?> getVariable, int? count = null)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        int? Int(string name)
        {
            if (getVariable(name) is not { Length: > 0 } v) return null;
            return int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) ? i
                : throw new FormatException($"{name}='{v}' is not an integer.");
        }

        if (Int("SLURM_ARRAY_TASK_ID") is { } id)
        {
            int n = Int("SLURM_ARRAY_TASK_COUNT") ?? throw new FormatException("SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_COUNT.");
            int min = Int("SLURM_ARRAY_TASK_MIN") ?? 0, step = Int("SLURM_ARRAY_TASK_STEP") ?? 1;
            if (step < 1 || (id - min) % step != 0)
                throw new FormatException($"SLURM_ARRAY_TASK_ID={id} is not on the array's grid (min {min}, step {step}).");
            return Create((id - min) / step, n, "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT");
        }
        if (Int("JOB_COMPLETION_INDEX") is { } index)
        {
            int n = count ?? Int(CountVariable)
                ?? throw new FormatException($"JOB_COMPLETION_INDEX={index} is set but not the shard count: pass --shard-count N or set {CountVariable} (the Job's completions).");
            return Create(index, n, count is null ? $"JOB_COMPLETION_INDEX/{CountVariable}" : "JOB_COMPLETION_INDEX/--shard-count");
        }
        if (MpiLaunch.Detect(getVariable) is { } launch)
            return Create(launch.Rank, launch.Size, launch.Launcher);
        return null;
    }

    /// <summary>The canonical order of a set of input files: full paths, ordinal, without duplicates.</summary>
    public static IReadOnlyList<string> CanonicalOrder(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return [.. files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>This shard's inputs (full paths, in canonical order).</summary>
    public IReadOnlyList<string> Select(IEnumerable<string> files) =>
        [.. CanonicalOrder(files).Where((_, position) => position % Count == Index)];
}
