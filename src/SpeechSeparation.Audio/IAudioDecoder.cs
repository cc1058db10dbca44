namespace SpeechSeparation.Audio;

/// <summary>A streaming decoder: interleaved float samples in [−1, 1], block by block (bounded memory).</summary>
public interface IAudioDecoder : IDisposable
{
    /// <summary>Sample rate of the decoded audio.</summary>
    int SampleRate { get; }

    /// <summary>Channels of the decoded audio.</summary>
    int Channels { get; }

    /// <summary>Decodes up to <c>destination.Length</c> interleaved samples (whole frames); 0 at the end.</summary>
    /// <exception cref="InvalidDataException">The stream is corrupt or truncated.</exception>
    int Read(Span<float> destination);
}
