using NVorbis;

namespace SpeechSeparation.Audio;

/// <summary>Ogg Vorbis through NVorbis (fully managed).</summary>
public sealed class VorbisDecoder : IAudioDecoder
{
    private readonly VorbisReader _reader;

    /// <summary>Opens an Ogg Vorbis stream.</summary>
    /// <exception cref="InvalidDataException">Not a Vorbis stream.</exception>
    public VorbisDecoder(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try { _reader = new VorbisReader(stream, closeOnDispose: !leaveOpen); }
        catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
        {
            throw new InvalidDataException($"not a readable Ogg Vorbis stream: {e.Message}", e);
        }
        if (_reader.SampleRate <= 0 || _reader.Channels < 1)
            throw new InvalidDataException($"not a readable Ogg Vorbis stream ({_reader.SampleRate} Hz, {_reader.Channels} channels).");
    }

    /// <inheritdoc />
    public int SampleRate => _reader.SampleRate;

    /// <inheritdoc />
    public int Channels => _reader.Channels;

    /// <inheritdoc />
    public int Read(Span<float> destination)
    {
        int want = destination.Length / Channels * Channels;
        if (want == 0) return 0;
        try { return _reader.ReadSamples(destination[..want]); }
        catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
        {
            throw new InvalidDataException($"corrupt Ogg Vorbis data: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();
}
