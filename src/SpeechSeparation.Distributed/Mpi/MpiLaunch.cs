using System.Globalization;

namespace SpeechSeparation.Distributed.Mpi;

/// <summary>A process started by an MPI launcher: its rank and the job's size, read from the launcher's environment.</summary>
/// <param name="Rank">This process's rank (0-based).</param>
/// <param name="Size">Processes in the job.</param>
/// <param name="Launcher">Which variables told it: <c>PMI_RANK/PMI_SIZE</c> (MPICH's Hydra, MS-MPI) or <c>OMPI_COMM_WORLD_RANK/SIZE</c> (Open MPI).</param>
public sealed record MpiLaunch(int Rank, int Size, string Launcher)
{
    /// <summary>Whether the launcher is Open MPI (whose library MPI.NET cannot use; its variables still shard inputs).</summary>
    public bool IsOpenMpi => Launcher.StartsWith("OMPI", StringComparison.Ordinal);

    /// <summary>The launch this process is part of, or null when no MPI launcher started it.</summary>
    public static MpiLaunch? Current => Detect(Environment.GetEnvironmentVariable);

    /// <summary>Reads the launcher variables through <paramref name="getVariable"/> (null when absent or malformed).</summary>
    /// <exception cref="FormatException">A rank outside 0 … size − 1.</exception>
    public static MpiLaunch? Detect(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        foreach (var (rankVar, sizeVar) in new[] { ("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE") })
        {
            if (getVariable(rankVar) is not { Length: > 0 } r || getVariable(sizeVar) is not { Length: > 0 } s) continue;
            if (!int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out int rank)
                || !int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1)
                throw new FormatException($"{rankVar}='{r}' and {sizeVar}='{s}' are not a rank and a size.");
            if (rank >= size) throw new FormatException($"{rankVar}={rank} is not below {sizeVar}={size}.");
            return new MpiLaunch(rank, size, $"{rankVar}/{sizeVar}");
        }
        return null;
    }
}
