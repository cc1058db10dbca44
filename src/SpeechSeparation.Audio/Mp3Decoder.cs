using NLayer;

namespace SpeechSeparation.Audio;

/// <summary>MPEG-1/2 layer I–III through NLayer (fully managed).</summary>
public sealed class Mp3Decoder : IAudioDecoder
{
    private readonly MpegFile _file;
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private float[] _buffer = [];

    /// <summary>Opens an MP3 stream.</summary>
    /// <exception cref="InvalidDataException">No MPEG audio frame in it.</exception>
    public Mp3Decoder(Stream stream, bool leaveOpen = false)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _leaveOpen = leaveOpen;
        try { _file = new MpegFile(stream); }
        catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
        {
            throw new InvalidDataException($"not a readable MP3 stream: {e.Message}", e);
        }
        if (_file.SampleRate <= 0 || _file.Channels is < 1 or > 2)
            throw new InvalidDataException($"not a readable MP3 stream ({_file.SampleRate} Hz, {_file.Channels} channels).");
    }

    /// <inheritdoc />
    public int SampleRate => _file.SampleRate;

    /// <inheritdoc />
    public int Channels => _file.Channels;

    /// <inheritdoc />
    public int Read(Span<float> destination)
    {
        int want = destination.Length / Channels * Channels;
        if (want == 0) return 0;
        if (_buffer.Length < want) _buffer = new float[want];
        int n;
        try { n = _file.ReadSamples(_buffer, 0, want); }
        catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
        {
            throw new InvalidDataException($"corrupt MP3 data: {e.Message}", e);
        }
        n = n / Channels * Channels;
        _buffer.AsSpan(0, n).CopyTo(destination);
        return n;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _file.Dispose();
        if (!_leaveOpen) _stream.Dispose();
    }
}
