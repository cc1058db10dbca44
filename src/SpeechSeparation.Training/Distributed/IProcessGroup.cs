namespace SpeechSeparation.Training.Distributed;

/// <summary>
/// The ranks of a data-parallel job and the collectives <see cref="SeparationTrainer"/> needs (an MPI communicator in
/// <c>SpeechSeparation.Distributed</c>, <see cref="SingleProcessGroup"/> otherwise). Every rank must call the same
/// collectives in the same order with the same lengths; the buffers live in host memory.
/// </summary>
public interface IProcessGroup
{
    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1. Rank 0 writes checkpoints, logs and exports.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks.</summary>
    void AllreduceSum(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks.</summary>
    void AllreduceSum(Span<double> values);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> into every other rank's buffer (same length everywhere).</summary>
    void Broadcast(Span<float> values, int root = 0);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> into every other rank's buffer (same length everywhere).</summary>
    void Broadcast(Span<byte> values, int root = 0);

    /// <summary>
    /// Ends the whole job because this rank cannot go on (the other ranks would otherwise wait forever in their next
    /// collective): reports <paramref name="reason"/> and terminates every rank (MPI_Abort). A single process group throws instead.
    /// </summary>
    void Abort(string reason, int exitCode = 1);
}

/// <summary>One process alone: rank 0 of 1; the collectives leave their buffers unchanged.</summary>
public sealed class SingleProcessGroup : IProcessGroup
{
    /// <summary>The shared instance.</summary>
    public static SingleProcessGroup Instance { get; } = new();

    private SingleProcessGroup() { }

    /// <inheritdoc />
    public int Rank => 0;
    /// <inheritdoc />
    public int Size => 1;
    /// <inheritdoc />
    public void AllreduceSum(Span<float> values) { }
    /// <inheritdoc />
    public void AllreduceSum(Span<double> values) { }
    /// <inheritdoc />
    public void Broadcast(Span<float> values, int root = 0) => CheckRoot(root);
    /// <inheritdoc />
    public void Broadcast(Span<byte> values, int root = 0) => CheckRoot(root);
    /// <inheritdoc />
    public void Abort(string reason, int exitCode = 1) => throw new InvalidOperationException(reason);

    private static void CheckRoot(int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), $"A single process has only rank 0, not {root}.");
    }
}

/// <summary>Helpers over <see cref="IProcessGroup"/>: variable-length broadcasts.</summary>
public static class ProcessGroupExtensions
{
    /// <summary>Broadcasts a byte array of any length from <paramref name="root"/> (its length first); returns root's array on every rank.</summary>
    public static byte[] BroadcastBytes(this IProcessGroup group, byte[]? bytes, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Size == 1) return bytes ?? [];
        var length = new byte[8];
        if (group.Rank == root) BitConverter.TryWriteBytes(length, (long)(bytes?.Length ?? 0));
        group.Broadcast(length, root);
        long n = BitConverter.ToInt64(length);
        var buffer = group.Rank == root ? bytes ?? [] : new byte[n];
        // Chunks below 2 GiB: MPI counts are 32-bit.
        const int chunk = 1 << 30;
        for (long offset = 0; offset < n; offset += chunk)
            group.Broadcast(buffer.AsSpan((int)offset, (int)Math.Min(chunk, n - offset)), root);
        return buffer;
    }

    /// <summary>Broadcasts a string from <paramref name="root"/> (UTF-8); returns root's string on every rank.</summary>
    public static string BroadcastString(this IProcessGroup group, string? value, int root = 0) =>
        System.Text.Encoding.UTF8.GetString(group.BroadcastBytes(value is null ? null : System.Text.Encoding.UTF8.GetBytes(value), root));
}
