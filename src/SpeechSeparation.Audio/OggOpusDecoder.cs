using System.Buffers.Binary;
using Concentus;

namespace SpeechSeparation.Audio;

/// <summary>
/// Ogg Opus (RFC 7845) through Concentus (fully managed): the <c>OpusHead</c> header (channels, pre-skip, output gain,
/// mapping family 0: mono or stereo), then every audio packet decoded at 48 kHz; the pre-skip is dropped at the start and
/// the end is trimmed to the last page's granule position, so the output has the original length.
/// </summary>
public sealed class OggOpusDecoder : IAudioDecoder
{
    private const int MaxFrame = 5760;          // 120 ms at 48 kHz: the longest Opus packet
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly OggPacketReader _ogg;
    private readonly IOpusDecoder _decoder;
    private readonly float[] _pcm;
    private readonly float _gain;
    private int _skip;                          // pre-skip samples per channel still to drop
    private long _emitted;                      // samples per channel written so far
    private readonly int _preSkip;
    private int _pending, _pendingAt;           // decoded frames not yet returned
    private bool _done;

    /// <summary>Opens an Ogg Opus stream.</summary>
    /// <exception cref="InvalidDataException">Not an Ogg Opus stream, or a damaged header.</exception>
    /// <exception cref="NotSupportedException">More than two channels (mapping family other than 0).</exception>
    public OggOpusDecoder(Stream stream, bool leaveOpen = false)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _leaveOpen = leaveOpen;
        _ogg = new OggPacketReader(stream);
        var head = _ogg.Next()?.Packet ?? throw new InvalidDataException("empty Ogg stream.");
        if (head.Length < 19 || !head.AsSpan(0, 8).SequenceEqual("OpusHead"u8))
            throw new InvalidDataException("not an Ogg Opus stream (no OpusHead packet).");
        if (head[8] >> 4 != 0) throw new InvalidDataException($"unsupported Opus header version {head[8]}.");
        Channels = head[9];
        _preSkip = _skip = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10));
        _gain = (float)Math.Pow(10, BinaryPrimitives.ReadInt16LittleEndian(head.AsSpan(16)) / (20.0 * 256));
        if (head[18] != 0 || Channels is < 1 or > 2)
            throw new NotSupportedException($"Ogg Opus with {Channels} channels (mapping family {head[18]}) is not supported; convert it to mono or stereo (or install ffmpeg and use a WAV).");
        var tags = _ogg.Next()?.Packet;
        if (tags is null || tags.Length < 8 || !tags.AsSpan(0, 8).SequenceEqual("OpusTags"u8))
            throw new InvalidDataException("damaged Ogg Opus stream (no OpusTags packet).");
        _decoder = OpusCodecFactory.CreateDecoder(48000, Channels);
        _pcm = new float[MaxFrame * Channels];
    }

    /// <inheritdoc />
    public int SampleRate => 48000;

    /// <inheritdoc />
    public int Channels { get; }

    /// <inheritdoc />
    public int Read(Span<float> destination)
    {
        int written = 0, ch = Channels;
        while (written + ch <= destination.Length)
        {
            if (_pending == 0)
            {
                if (_done || !DecodeNext()) break;
                continue;
            }
            int frames = Math.Min(_pending, (destination.Length - written) / ch);
            for (int i = 0; i < frames * ch; i++) destination[written + i] = _pcm[_pendingAt * ch + i] * _gain;
            written += frames * ch;
            _pendingAt += frames;
            _pending -= frames;
        }
        return written;
    }

    private bool DecodeNext()
    {
        var next = _ogg.Next();
        if (next is null) { _done = true; return false; }
        var (packet, granule, eos) = next.Value;
        if (packet.Length == 0) return true;
        int frames;
        try { frames = _decoder.Decode(packet, _pcm, MaxFrame, false); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"corrupt Opus packet: {e.Message}", e);
        }
        if (frames < 0) throw new InvalidDataException($"corrupt Opus packet (decoder error {frames}).");
        int start = Math.Min(_skip, frames);
        _skip -= start;
        int usable = frames - start;
        if (eos && granule >= 0)
        {
            long total = granule - _preSkip;                         // samples per channel the stream holds
            usable = (int)Math.Clamp(total - _emitted, 0, usable);
            _done = true;
        }
        _pendingAt = start;
        _pending = usable;
        _emitted += usable;
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }
}
