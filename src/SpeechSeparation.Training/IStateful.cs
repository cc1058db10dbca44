namespace SpeechSeparation.Training;

/// <summary>
/// Something whose state can be saved in a training checkpoint and restored: optimisers, learning-rate schedulers.
/// The dictionaries are PyTorch-shaped (the same keys and nesting as <c>state_dict()</c> in PyTorch 1.13) and hold only
/// values <see cref="Serialization.TorchCheckpoint"/> can write: numbers, bools, strings, null, lists,
/// <see cref="Serialization.PythonDict"/>/<see cref="Serialization.PythonTuple"/> and host tensors.
/// </summary>
public interface IStateful
{
    /// <summary>A snapshot of the state (copies; later steps do not change it).</summary>
    Dictionary<string, object?> StateDict();

    /// <summary>Restores a state produced by <see cref="StateDict"/> (or read back from a checkpoint file).</summary>
    void LoadStateDict(IReadOnlyDictionary<string, object?> state);
}
