using System.Buffers;
using System.Buffers.Binary;

namespace SpeechSeparation.Signal;

/// <summary>
/// Streaming WAV writer. Frames are appended block by block; <see cref="Complete"/> finalises the header sizes.
/// When writing to a path, the data goes to a temporary file in the same folder that is renamed over the target only
/// by <see cref="Complete"/>, so the target never holds a half-written file; disposing without completing deletes
/// the temporary file and leaves the target untouched.
/// </summary>
/// <remarks>
/// Files with more than two channels use <c>WAVE_FORMAT_EXTENSIBLE</c>; float files carry a <c>fact</c> chunk.
/// Integer encoding follows libsndfile 1.2.0: <c>i32 = clip(rint(x·2^31))</c>, then an arithmetic right shift to
/// the target width (so decode(encode(x)) is within one LSB of <c>x</c>, and exact for values read from a file of
/// the same format). NaN samples cannot be written to integer formats (<see cref="ArgumentException"/>).
/// Not thread-safe.
/// </remarks>
public sealed class WavWriter : IDisposable
{
    private const int BlockBytes = 1 << 16;
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string? _targetPath;
    private readonly string? _tempPath;
    private readonly int _headerBytes;
    private readonly long _startPosition;
    private long _dataBytes;
    private bool _completed, _disposed;

    /// <summary>Starts writing a WAV file at <paramref name="path"/> (created or replaced on <see cref="Complete"/>).</summary>
    public WavWriter(string path, WavFormat format)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(format);
        format.Validate();
        Format = format;
        _targetPath = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(_targetPath) ?? ".";
        _tempPath = Path.Combine(dir, $".{Path.GetFileName(_targetPath)}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 12);
        _headerBytes = WriteHeader();
    }

    /// <summary>Writes a WAV file to a stream. A seekable stream gets exact sizes on <see cref="Complete"/>;
    /// a non-seekable one gets the "unknown size" marker 0xFFFFFFFF that readers treat as "until the end".</summary>
    public WavWriter(Stream stream, WavFormat format, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(format);
        if (!stream.CanWrite) throw new ArgumentException("The stream is not writable.", nameof(stream));
        format.Validate();
        Format = format;
        _stream = stream;
        _leaveOpen = leaveOpen;
        _startPosition = stream.CanSeek ? stream.Position : 0;
        _headerBytes = WriteHeader();
    }

    /// <summary>The format being written.</summary>
    public WavFormat Format { get; }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten => _dataBytes / Format.BlockAlign;

    private bool Extensible => Format.Channels > 2;

    private int WriteHeader()
    {
        bool ext = Extensible, isFloat = Format.IsFloat;
        int fmtSize = ext ? 40 : isFloat ? 18 : 16;
        int total = 12 + 8 + fmtSize + (isFloat ? 12 : 0) + 8;
        Span<byte> h = stackalloc byte[total];
        h.Clear();
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], uint.MaxValue);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)fmtSize);
        var f = h[20..];
        int code = isFloat ? 3 : 1;
        BinaryPrimitives.WriteUInt16LittleEndian(f, (ushort)(ext ? 0xFFFE : code));
        BinaryPrimitives.WriteUInt16LittleEndian(f[2..], (ushort)Format.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(f[4..], (uint)Format.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(f[8..], (uint)Math.Min(uint.MaxValue, (long)Format.SampleRate * Format.BlockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(f[12..], (ushort)Format.BlockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(f[14..], (ushort)Format.BitsPerSample);
        if (fmtSize >= 18) BinaryPrimitives.WriteUInt16LittleEndian(f[16..], (ushort)(ext ? 22 : 0));
        if (ext)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(f[18..], (ushort)Format.BitsPerSample);
            uint mask = Format.Channels switch { 3 => 0x7, 4 => 0x33, 5 => 0x37, 6 => 0x3F, 7 => 0x13F, 8 => 0x63F, _ => 0 };
            BinaryPrimitives.WriteUInt32LittleEndian(f[20..], mask);
            BinaryPrimitives.WriteUInt16LittleEndian(f[24..], (ushort)code);
            ReadOnlySpan<byte> tail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
            tail.CopyTo(f[26..]);
        }
        int p = 20 + fmtSize;
        if (isFloat)
        {
            "fact"u8.CopyTo(h[p..]);
            BinaryPrimitives.WriteUInt32LittleEndian(h[(p + 4)..], 4);
            BinaryPrimitives.WriteUInt32LittleEndian(h[(p + 8)..], uint.MaxValue);
            p += 12;
        }
        "data"u8.CopyTo(h[p..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[(p + 4)..], uint.MaxValue);
        _stream.Write(h);
        return total;
    }

    /// <summary>Appends interleaved frames (<c>[t·Channels + c]</c>; length a multiple of the channel count).</summary>
    public void Write(ReadOnlySpan<float> interleaved) => WriteCore(interleaved, static (s, d, f) => PcmCodec.Encode(s, d, f));

    /// <summary>Appends interleaved double frames (exact for 32-bit PCM and 64-bit float).</summary>
    public void Write(ReadOnlySpan<double> interleaved) => WriteCore(interleaved, static (s, d, f) => PcmCodec.Encode(s, d, f));

    /// <summary>Appends every frame of a planar buffer (its channel count must match; its sample rate is not checked).</summary>
    public void Write(AudioBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Channels != Format.Channels)
            throw new ArgumentException($"The buffer has {buffer.Channels} channel(s); the file has {Format.Channels}.", nameof(buffer));
        if (buffer.Channels == 1) { Write(buffer.Samples); return; }
        const int framesPerBlock = 4096;
        var tmp = ArrayPool<float>.Shared.Rent(framesPerBlock * buffer.Channels);
        try
        {
            for (int start = 0; start < buffer.Frames; start += framesPerBlock)
            {
                int n = Math.Min(framesPerBlock, buffer.Frames - start);
                for (int c = 0; c < buffer.Channels; c++)
                {
                    var src = buffer.Samples.AsSpan(c * buffer.Frames + start, n);
                    for (int t = 0; t < n; t++) tmp[t * buffer.Channels + c] = src[t];
                }
                Write(tmp.AsSpan(0, n * buffer.Channels));
            }
        }
        finally { ArrayPool<float>.Shared.Return(tmp); }
    }

    private delegate void Encoder<T>(ReadOnlySpan<T> src, Span<byte> dst, WavSampleFormat format);

    private void WriteCore<T>(ReadOnlySpan<T> interleaved, Encoder<T> encode)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) throw new InvalidOperationException("The WAV file is already complete.");
        if (interleaved.Length % Format.Channels != 0)
            throw new ArgumentException($"{interleaved.Length} samples are not a whole number of {Format.Channels}-channel frames.", nameof(interleaved));
        long add = (long)interleaved.Length * Format.BytesPerSample;
        if (_headerBytes + _dataBytes + add + 1 - 8 > uint.MaxValue)
            throw new InvalidOperationException("The WAV data would exceed the 4 GiB limit of the RIFF format.");
        int bps = Format.BytesPerSample;
        int perBlock = BlockBytes / bps;
        var buf = ArrayPool<byte>.Shared.Rent(BlockBytes);
        try
        {
            for (int start = 0; start < interleaved.Length; start += perBlock)
            {
                int n = Math.Min(perBlock, interleaved.Length - start);
                encode(interleaved.Slice(start, n), buf.AsSpan(0, n * bps), Format.SampleFormat);
                _stream.Write(buf, 0, n * bps);
                _dataBytes += n * bps;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    private void Patch(long offset, uint value)
    {
        Span<byte> u = stackalloc byte[4];
        _stream.Seek(_startPosition + offset, SeekOrigin.Begin);
        BinaryPrimitives.WriteUInt32LittleEndian(u, value);
        _stream.Write(u);
    }

    /// <summary>
    /// Finishes the file: writes the pad byte, patches the RIFF/<c>fact</c>/<c>data</c> sizes and, when writing to a
    /// path, renames the temporary file over the target.
    /// </summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) return;
        if ((_dataBytes & 1) != 0) _stream.WriteByte(0);
        if (_stream.CanSeek)
        {
            long end = _stream.Position;
            Patch(4, (uint)(_headerBytes - 8 + _dataBytes + (_dataBytes & 1)));
            Patch(_headerBytes - 4, (uint)_dataBytes);
            if (Format.IsFloat) Patch(_headerBytes - 12, (uint)Math.Min(uint.MaxValue, FramesWritten));
            _stream.Seek(end, SeekOrigin.Begin);
        }
        _stream.Flush();
        _completed = true;
        if (_tempPath is not null)
        {
            if (_stream is FileStream fs) fs.Flush(flushToDisk: true);
            _stream.Dispose();
            _disposed = true;
            File.Move(_tempPath, _targetPath!, overwrite: true);
        }
    }

    /// <summary>Releases the stream. Without <see cref="Complete"/>, a path target is left untouched and the temporary file deleted.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_tempPath is not null)
        {
            _stream.Dispose();
            if (!_completed) try { File.Delete(_tempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        else if (!_leaveOpen) _stream.Dispose();
    }
}
