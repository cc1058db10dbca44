namespace SpeechSeparation.Serialization;

/// <summary>File formats <see cref="TorchCheckpoint.Load(string)"/> recognises.</summary>
public enum CheckpointFormat
{
    /// <summary>Not recognised.</summary>
    Unknown,
    /// <summary><c>torch.save</c> zip format (torch 1.6 and later).</summary>
    TorchZip,
    /// <summary><c>torch.save</c> legacy format (before 1.6, or <c>_use_new_zipfile_serialization=False</c>).</summary>
    TorchLegacy,
    /// <summary>safetensors.</summary>
    SafeTensors,
}
