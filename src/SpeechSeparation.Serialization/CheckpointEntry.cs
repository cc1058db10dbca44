namespace SpeechSeparation.Serialization;

/// <summary>One leaf of a loaded checkpoint: its dotted path (keys and list indices) and its value.</summary>
/// <param name="Path">Keys and list indices from the root, joined by <c>.</c> (empty for a root leaf).</param>
/// <param name="Value">A <see cref="HostTensor"/>, a scalar, a string, an empty container or a placeholder object.</param>
public sealed record CheckpointEntry(string Path, object? Value)
{
    /// <summary>The value as a tensor, or null.</summary>
    public HostTensor? Tensor => Value as HostTensor;
}
