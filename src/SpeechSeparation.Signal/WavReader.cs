using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SpeechSeparation.Signal;

/// <summary>
/// Streaming WAV reader: parses the RIFF header on construction, then reads interleaved frames block by block, so
/// files larger than memory can be processed. Supports PCM 8/16/24/32-bit integer, 32/64-bit IEEE float and
/// <c>WAVE_FORMAT_EXTENSIBLE</c> with any channel count; unknown chunks are skipped (pad bytes honoured), chunks may
/// come before or after <c>data</c>, and a <c>data</c> size of 0 or 0xFFFFFFFF left by streaming writers means
/// "to the end of the file".
/// </summary>
/// <remarks>
/// Corrupt or truncated files raise <see cref="InvalidDataException"/> naming the problem (not RIFF/WAVE, missing
/// <c>fmt </c>/<c>data</c>, unsupported format tag or bit depth, inconsistent block align, zero channels or rate,
/// a chunk or the <c>data</c> payload running past the end of the file). A trailing partial frame in <c>data</c>
/// is ignored. The reader never modifies the file. Not thread-safe.
/// </remarks>
public sealed class WavReader : IDisposable
{
    private const int BlockBytes = 1 << 16;
    private static readonly byte[] GuidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string _source;
    private readonly long _dataBytes; // -1: until end of stream
    private long _dataRead;
    private bool _disposed;

    /// <summary>Opens a WAV file for reading (shared read access).</summary>
    /// <exception cref="InvalidDataException">The file is not a readable WAV file.</exception>
    public WavReader(string path)
        : this(new FileStream(path ?? throw new ArgumentNullException(nameof(path)), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12, FileOptions.SequentialScan), false, path)
    {
    }

    /// <summary>Reads a WAV stream (seekable or not; a non-seekable stream needs <c>fmt </c> before <c>data</c>).</summary>
    /// <exception cref="InvalidDataException">The stream is not a readable WAV file.</exception>
    public WavReader(Stream stream, bool leaveOpen = false)
        : this(stream ?? throw new ArgumentNullException(nameof(stream)), leaveOpen, "stream")
    {
    }

    private WavReader(Stream stream, bool leaveOpen, string source)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _source = source;
        try
        {
            (Format, _dataBytes, FormatTag) = ParseHeader();
        }
        catch
        {
            if (!leaveOpen) stream.Dispose();
            throw;
        }
    }

    /// <summary>Sample format, channel count and sample rate.</summary>
    public WavFormat Format { get; }

    /// <summary>The <c>fmt </c> chunk's format tag (1 PCM, 3 IEEE float, 0xFFFE extensible).</summary>
    public int FormatTag { get; }

    /// <summary>Total frames in the file, or null when unknown (non-seekable stream with an unset <c>data</c> size).</summary>
    public long? FrameCount => _dataBytes < 0 ? null : _dataBytes / Format.BlockAlign;

    /// <summary>Frames read so far.</summary>
    public long Position => _dataRead / Format.BlockAlign;

    private InvalidDataException Bad(string what) => new($"Invalid WAV file ({_source}): {what}");

    private static string FourCc(ReadOnlySpan<byte> b)
    {
        var sb = new StringBuilder(4);
        foreach (var c in b[..4]) sb.Append(c is >= 32 and < 127 ? (char)c : '?');
        return sb.ToString();
    }

    private int ReadUpTo(Span<byte> buffer) => _stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

    private long Remaining => _stream.CanSeek ? _stream.Length - _stream.Position : long.MaxValue;

    private void Skip(long bytes)
    {
        if (bytes <= 0) return;
        if (_stream.CanSeek)
        {
            _stream.Seek(bytes, SeekOrigin.Current);
            return;
        }
        var tmp = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (bytes > 0)
            {
                int n = _stream.Read(tmp, 0, (int)Math.Min(bytes, tmp.Length));
                if (n == 0) throw Bad("unexpected end of stream while skipping a chunk.");
                bytes -= n;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(tmp); }
    }

    private (WavFormat, long, int) ParseHeader()
    {
        Span<byte> head = stackalloc byte[12];
        int got = ReadUpTo(head);
        if (got < 12) throw Bad($"only {got} bytes; a WAV file starts with a 12-byte RIFF/WAVE header.");
        var id = FourCc(head);
        if (id == "RIFX") throw Bad("big-endian RIFX files are not supported.");
        if (id is "RF64" or "BW64") throw Bad($"{id} (WAV over 4 GiB) files are not supported.");
        if (id != "RIFF") throw Bad($"not a RIFF file (starts with '{id}').");
        uint riffSize = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        if (FourCc(head[8..]) != "WAVE") throw Bad($"RIFF form type is '{FourCc(head[8..])}', not 'WAVE'.");

        WavFormat? format = null;
        int tag = 0;
        long dataOffset = -1, dataBytes = -2;
        long pos = 12;
        Span<byte> ch = stackalloc byte[8];
        Span<byte> fmt = stackalloc byte[40];
        while (true)
        {
            got = ReadUpTo(ch);
            if (got == 0) break;
            if (got < 8)
            {
                if (format is not null && dataOffset >= 0) break; // trailing garbage after a complete file
                throw Bad($"truncated chunk header at offset {pos}.");
            }
            var cid = FourCc(ch);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(ch[4..]);
            pos += 8;
            if (cid == "fmt ")
            {
                if (format is not null) throw Bad($"a second 'fmt ' chunk at offset {pos - 8}.");
                if (size < 16) throw Bad($"'fmt ' chunk is {size} bytes; at least 16 are required.");
                int take = (int)Math.Min(size, 40u);
                if (ReadUpTo(fmt[..take]) < take) throw Bad("file is truncated inside the 'fmt ' chunk.");
                (format, tag) = ParseFmt(fmt[..take]);
                long rest = size - take + (size & 1);
                if (rest > Remaining) throw Bad("file is truncated inside the 'fmt ' chunk.");
                Skip(rest);
                pos += size + (size & 1);
                if (dataOffset >= 0) break;
            }
            else if (cid == "data")
            {
                if (dataOffset >= 0) throw Bad($"a second 'data' chunk at offset {pos - 8}.");
                dataOffset = pos;
                bool unset = size == uint.MaxValue ||
                             (size == 0 && (riffSize == 0 || riffSize == uint.MaxValue || (long)riffSize + 8 <= pos));
                if (unset)
                {
                    dataBytes = _stream.CanSeek ? _stream.Length - pos : -1;
                }
                else
                {
                    dataBytes = size;
                    long rem = Remaining;
                    if (size > rem)
                        throw Bad($"'data' chunk declares {size} bytes but only {rem} remain: the file is truncated.");
                }
                if (format is not null) break;
                if (!_stream.CanSeek) throw Bad("the 'fmt ' chunk comes after 'data', which needs a seekable stream.");
                if (dataBytes < 0) break;
                long skip = dataBytes + (dataBytes & 1);
                if (skip > Remaining) break; // no fmt after data
                Skip(skip);
                pos += skip;
            }
            else
            {
                long skip = size + (size & 1L);
                long rem = Remaining;
                if (skip > rem)
                {
                    if (size <= rem || (format is not null && dataOffset >= 0)) break; // missing final pad byte / trailing chunk cut
                    throw Bad($"chunk '{cid}' at offset {pos - 8} declares {size} bytes, past the end of the file.");
                }
                Skip(skip);
                pos += skip;
            }
        }
        if (format is null) throw Bad("no 'fmt ' chunk.");
        if (dataOffset < 0) throw Bad("no 'data' chunk.");
        if (_stream.CanSeek && _stream.Position != dataOffset) _stream.Seek(dataOffset, SeekOrigin.Begin);
        if (dataBytes >= 0) dataBytes -= dataBytes % format.BlockAlign;
        return (format, dataBytes, tag);
    }

    private (WavFormat, int) ParseFmt(ReadOnlySpan<byte> f)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(f);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(f[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(f[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(f[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(f[14..]);
        int code = tag;
        if (tag == 0xFFFE)
        {
            if (f.Length < 40) throw Bad($"WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is {f.Length} bytes; 40 are required.");
            int cb = BinaryPrimitives.ReadUInt16LittleEndian(f[16..]);
            if (cb < 22) throw Bad($"WAVE_FORMAT_EXTENSIBLE cbSize is {cb}; 22 is required.");
            int validBits = BinaryPrimitives.ReadUInt16LittleEndian(f[18..]);
            if (validBits > bits) throw Bad($"valid bits per sample ({validBits}) exceed the container size ({bits}).");
            if (!f.Slice(26, 14).SequenceEqual(GuidTail)) throw Bad("unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID.");
            code = BinaryPrimitives.ReadUInt16LittleEndian(f[24..]);
        }
        if (channels == 0) throw Bad("zero channels.");
        if (rate == 0) throw Bad("zero sample rate.");
        if (rate > int.MaxValue) throw Bad($"sample rate {rate} Hz is out of range.");
        WavSampleFormat sf = (code, bits) switch
        {
            (1, 8) => WavSampleFormat.Pcm8,
            (1, 16) => WavSampleFormat.Pcm16,
            (1, 24) => WavSampleFormat.Pcm24,
            (1, 32) => WavSampleFormat.Pcm32,
            (3, 32) => WavSampleFormat.Float32,
            (3, 64) => WavSampleFormat.Float64,
            (1, _) => throw Bad($"unsupported PCM bit depth {bits} (8, 16, 24 and 32 are supported)."),
            (3, _) => throw Bad($"unsupported IEEE float bit depth {bits} (32 and 64 are supported)."),
            _ => throw Bad($"unsupported format tag 0x{code:X4} (only PCM 1, IEEE float 3 and extensible 0xFFFE are supported)."),
        };
        var format = new WavFormat(sf, channels, (int)rate);
        if (blockAlign != format.BlockAlign)
            throw Bad($"block align {blockAlign} is inconsistent with {channels} channel(s) × {format.BytesPerSample} bytes.");
        return (format, tag);
    }

    /// <summary>
    /// Reads up to <c>destination.Length / Channels</c> frames as interleaved float samples.
    /// Returns the number of frames read (0 at the end of the data).
    /// </summary>
    /// <exception cref="InvalidDataException">The data ends before its declared size.</exception>
    public int Read(Span<float> destination) => ReadCore(destination, static (b, d, f) => PcmCodec.Decode(b, d, f));

    /// <summary>Reads up to <c>destination.Length / Channels</c> frames as interleaved double samples (exact for every format).</summary>
    /// <exception cref="InvalidDataException">The data ends before its declared size.</exception>
    public int Read(Span<double> destination) => ReadCore(destination, static (b, d, f) => PcmCodec.Decode(b, d, f));

    private delegate void Decoder<T>(ReadOnlySpan<byte> src, Span<T> dst, WavSampleFormat format);

    private int ReadCore<T>(Span<T> destination, Decoder<T> decode)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int block = Format.BlockAlign, bps = Format.BytesPerSample;
        int wanted = destination.Length / Format.Channels;
        if (_dataBytes >= 0) wanted = (int)Math.Min(wanted, (_dataBytes - _dataRead) / block);
        if (wanted <= 0) return 0;
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(BlockBytes, block));
        try
        {
            int framesPerBlock = Math.Max(1, buf.Length / block);
            int done = 0;
            while (done < wanted)
            {
                int n = Math.Min(framesPerBlock, wanted - done);
                int bytes = n * block;
                int requested = bytes;
                int got = ReadUpTo(buf.AsSpan(0, bytes));
                if (got < bytes)
                {
                    if (_dataBytes >= 0)
                        throw Bad($"the 'data' chunk ends after {(_dataRead + got) / block} of {_dataBytes / block} frames: the file is truncated.");
                    n = got / block;
                    bytes = n * block;
                }
                decode(buf.AsSpan(0, bytes), destination.Slice(done * Format.Channels, n * Format.Channels), Format.SampleFormat);
                _dataRead += bytes;
                done += n;
                if (got < requested) break;
            }
            return done;
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>Reads every remaining frame into a planar <see cref="AudioBuffer"/>.</summary>
    /// <exception cref="InvalidDataException">The file is truncated.</exception>
    /// <exception cref="InvalidOperationException">The audio is too large for one array; stream it instead.</exception>
    public AudioBuffer ReadAll()
    {
        var inter = ReadAllInterleaved<float>(Read);
        if (Format.Channels == 1) return new AudioBuffer(inter, 1, Format.SampleRate);
        var buf = new AudioBuffer(Format.Channels, inter.Length / Format.Channels, Format.SampleRate);
        AudioBuffer.Deinterleave(inter, buf.Samples, Format.Channels);
        return buf;
    }

    /// <summary>Reads every remaining frame as interleaved doubles (<c>[t·Channels + c]</c>); exact for every stored format.</summary>
    /// <exception cref="InvalidDataException">The file is truncated.</exception>
    public double[] ReadAllDouble() => ReadAllInterleaved<double>(Read);

    private delegate int SpanReader<T>(Span<T> destination);

    private T[] ReadAllInterleaved<T>(SpanReader<T> read)
    {
        int ch = Format.Channels;
        if (FrameCount is { } total)
        {
            long samples = (total - Position) * ch;
            if (samples > Array.MaxLength)
                throw new InvalidOperationException($"{total - Position} frames × {ch} channels do not fit in one array; read the file in blocks.");
            var r = new T[samples];
            int got = read(r);
            if ((long)got * ch != samples) throw Bad("the 'data' chunk ended early: the file is truncated.");
            return r;
        }
        var list = new List<T>();
        var tmp = new T[4096 * ch];
        int n;
        while ((n = read(tmp)) > 0) list.AddRange(tmp.AsSpan(0, n * ch));
        return [.. list];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveOpen) _stream.Dispose();
    }
}
