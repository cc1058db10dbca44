using System.Buffers.Binary;

namespace SpeechSeparation.Audio;

/// <summary>
/// The packets of the first logical stream of an Ogg file (RFC 3533): pages ("OggS", version 0, granule position,
/// serial number, segment table), packets re-assembled across lacing values and page boundaries. Pages of other
/// logical streams are skipped. Page checksums are not verified; structure is (a damaged page is an error).
/// </summary>
public sealed class OggPacketReader(Stream stream)
{
    /// <summary>The largest packet accepted (Opus and Vorbis packets are far smaller).</summary>
    public const int MaxPacketBytes = 1 << 22;

    private readonly byte[] _header = new byte[27];
    private readonly byte[] _segments = new byte[255];
    private readonly Queue<(byte[] Packet, long Granule, bool EndOfStream)> _ready = new();
    private readonly MemoryStream _partial = new();
    private int? _serial;
    private bool _ended;

    /// <summary>The next packet with the granule position of the page it ends on; null at the end of the stream.</summary>
    /// <exception cref="InvalidDataException">A damaged or truncated page.</exception>
    public (byte[] Packet, long Granule, bool EndOfStream)? Next()
    {
        while (_ready.Count == 0)
        {
            if (_ended || !ReadPage()) return null;
        }
        return _ready.Dequeue();
    }

    private bool ReadPage()
    {
        int got = stream.ReadAtLeast(_header, _header.Length, throwOnEndOfStream: false);
        if (got == 0) { _ended = true; return false; }
        if (got < _header.Length) throw new InvalidDataException("truncated Ogg page header.");
        if (_header[0] != 'O' || _header[1] != 'g' || _header[2] != 'g' || _header[3] != 'S')
            throw new InvalidDataException("damaged Ogg stream: a page does not start with 'OggS'.");
        if (_header[4] != 0) throw new InvalidDataException($"unsupported Ogg page version {_header[4]}.");
        byte type = _header[5];
        long granule = BinaryPrimitives.ReadInt64LittleEndian(_header.AsSpan(6));
        int serial = BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(14));
        int count = _header[26];
        if (stream.ReadAtLeast(_segments.AsSpan(0, count), count, throwOnEndOfStream: false) < count)
            throw new InvalidDataException("truncated Ogg segment table.");
        int bodyLength = 0;
        for (int i = 0; i < count; i++) bodyLength += _segments[i];
        var body = new byte[bodyLength];
        if (stream.ReadAtLeast(body, bodyLength, throwOnEndOfStream: false) < bodyLength)
            throw new InvalidDataException("truncated Ogg page.");
        _serial ??= serial;
        if (serial != _serial) return true;                       // another logical stream
        if ((type & 1) == 0) _partial.SetLength(0);               // not a continuation: drop an unfinished packet
        bool eos = (type & 4) != 0;
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            _partial.Write(body, at, _segments[i]);
            at += _segments[i];
            if (_partial.Length > MaxPacketBytes) throw new InvalidDataException($"an Ogg packet is larger than {MaxPacketBytes} bytes.");
            if (_segments[i] < 255)
            {
                _ready.Enqueue((_partial.ToArray(), granule, eos && i == count - 1));
                _partial.SetLength(0);
            }
        }
        if (eos) _ended = true;
        return true;
    }
}
