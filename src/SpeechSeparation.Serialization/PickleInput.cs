using System.Buffers.Binary;

namespace SpeechSeparation.Serialization;

/// <summary>
/// Bounded, buffered reading of a pickle from a seekable stream: every length read from the data is checked against
/// the bytes left before anything is allocated, and <see cref="Sync"/> leaves the stream right after what was consumed
/// (the legacy format stores several pickles and raw storages back to back).
/// </summary>
internal sealed class PickleInput
{
    private const int MaxLine = 1 << 20;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[1 << 16];
    private readonly long _end;
    private long _bufferStart;
    private int _pos, _len;

    public PickleInput(Stream stream, long end)
    {
        _stream = stream;
        _bufferStart = stream.Position;
        _end = end;
    }

    public static PickleInput FromBytes(byte[] data) => new(new MemoryStream(data, writable: false), data.Length);

    /// <summary>Absolute position of the next byte.</summary>
    public long Position => _bufferStart + _pos;

    /// <summary>Bytes left before the end of the pickle's region.</summary>
    public long Remaining => _end - Position;

    /// <summary>Moves the underlying stream to <see cref="Position"/>.</summary>
    public void Sync() => _stream.Position = Position;

    private bool Fill()
    {
        if (_pos < _len) return true;
        _bufferStart += _len;
        _pos = 0;
        _len = 0;
        long want = Math.Min(_buffer.Length, _end - _bufferStart);
        if (want <= 0) return false;
        _stream.Position = _bufferStart;
        int r = _stream.Read(_buffer, 0, (int)want);
        if (r <= 0) return false;
        _len = r;
        return true;
    }

    public byte ReadByte()
    {
        if (!Fill()) throw Truncated("an opcode or argument");
        return _buffer[_pos++];
    }

    public void Read(Span<byte> dst, string what)
    {
        int off = 0;
        while (off < dst.Length)
        {
            if (!Fill()) throw Truncated(what);
            int n = Math.Min(dst.Length - off, _len - _pos);
            _buffer.AsSpan(_pos, n).CopyTo(dst[off..]);
            _pos += n;
            off += n;
        }
    }

    /// <summary>Reads <paramref name="count"/> bytes after checking that the pickle still holds them.</summary>
    public byte[] ReadBytes(long count, string what)
    {
        if (count < 0) throw new InvalidDataException($"pickle: negative length {count} for {what} at offset {Position}.");
        if (count > Remaining) throw new InvalidDataException($"pickle: {what} of {count} bytes at offset {Position} runs past the end of the data ({Remaining} bytes left; truncated or corrupt file).");
        if (count > Array.MaxLength) throw new InvalidDataException($"pickle: {what} of {count} bytes is too large.");
        var b = new byte[count];
        Read(b, what);
        return b;
    }

    // Heap scratch rather than stackalloc: these readers run on untrusted bytes and are fuzzed with SharpFuzz, whose IL
    // instrumentation breaks methods that stackalloc after a branch (AccessViolation in instrumented builds).
    private readonly byte[] _scratch = new byte[8];

    public ushort ReadUInt16() { Span<byte> b = _scratch.AsSpan(0, 2); Read(b, "a 2-byte argument"); return BinaryPrimitives.ReadUInt16LittleEndian(b); }

    public int ReadInt32() { Span<byte> b = _scratch.AsSpan(0, 4); Read(b, "a 4-byte argument"); return BinaryPrimitives.ReadInt32LittleEndian(b); }

    public uint ReadUInt32() { Span<byte> b = _scratch.AsSpan(0, 4); Read(b, "a 4-byte argument"); return BinaryPrimitives.ReadUInt32LittleEndian(b); }

    public ulong ReadUInt64() { Span<byte> b = _scratch.AsSpan(0, 8); Read(b, "an 8-byte argument"); return BinaryPrimitives.ReadUInt64LittleEndian(b); }

    public double ReadDoubleBigEndian() { Span<byte> b = _scratch.AsSpan(0, 8); Read(b, "a float"); return BinaryPrimitives.ReadDoubleBigEndian(b); }

    /// <summary>Reads a text argument up to (not including) the newline.</summary>
    public byte[] ReadLine(string what)
    {
        var list = new List<byte>();
        while (true)
        {
            if (!Fill()) throw Truncated(what);
            int nl = Array.IndexOf(_buffer, (byte)'\n', _pos, _len - _pos);
            int n = (nl < 0 ? _len : nl) - _pos;
            if (list.Count + n > MaxLine) throw new InvalidDataException($"pickle: {what} at offset {Position} is longer than {MaxLine} bytes.");
            list.AddRange(_buffer.AsSpan(_pos, n));
            _pos += n;
            if (nl >= 0) { _pos++; break; }
        }
        if (list.Count > 0 && list[^1] == (byte)'\r') list.RemoveAt(list.Count - 1);
        return [.. list];
    }

    private InvalidDataException Truncated(string what) =>
        new($"pickle: data ends at offset {Position} while reading {what} (truncated file?).");
}
