using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SpeechSeparation.Serialization;

/// <summary>
/// A minimal, defensive reader of zip archives as <c>torch.save</c> writes them (stored entries, optional zip64 records,
/// optional data descriptors); deflated entries are accepted too. Every offset and size is checked against the archive
/// length before anything is allocated, and each entry's CRC-32 is verified.
/// </summary>
internal sealed class ZipStore
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint Zip64LocatorSignature = 0x07064b50;

    private readonly Stream _stream;
    private readonly long _length;
    private readonly Dictionary<string, ZipEntry> _byName = new(StringComparer.Ordinal);
    private readonly List<ZipEntry> _entries = [];

    /// <summary>One entry of the central directory.</summary>
    internal sealed record ZipEntry(string Name, ushort Flags, ushort Method, uint Crc, long CompressedSize, long Size, long LocalHeaderOffset);

    private ZipStore(Stream stream)
    {
        _stream = stream;
        _length = stream.Length;
    }

    /// <summary>Entries in central-directory order.</summary>
    public IReadOnlyList<ZipEntry> Entries => _entries;

    /// <summary>True when the stream starts with a zip local-file header.</summary>
    public static bool LooksLikeZip(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == LocalHeaderSignature;

    /// <summary>Reads the central directory of a seekable stream.</summary>
    /// <exception cref="InvalidDataException">The archive structure is damaged.</exception>
    public static ZipStore Open(Stream stream)
    {
        if (!stream.CanSeek) throw new ArgumentException("The zip reader needs a seekable stream.", nameof(stream));
        var z = new ZipStore(stream);
        z.ReadCentralDirectory();
        return z;
    }

    /// <summary>The entry called <paramref name="name"/>, or null.</summary>
    public ZipEntry? Find(string name) => _byName.GetValueOrDefault(name);

    private void ReadCentralDirectory()
    {
        if (_length < 22) throw new InvalidDataException($"not a zip archive: only {_length} bytes.");
        int tailLength = (int)Math.Min(_length, 22 + 65535);
        var tail = ReadAt(_length - tailLength, tailLength, "end of central directory");
        int eocd = -1;
        for (int i = tailLength - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != EndSignature) continue;
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20));
            if (i + 22 + commentLength <= tailLength) { eocd = i; break; }
        }
        if (eocd < 0) throw new InvalidDataException("not a zip archive or truncated: no end-of-central-directory record.");
        long eocdOffset = _length - tailLength + eocd;
        var e = tail.AsSpan(eocd);
        long count = BinaryPrimitives.ReadUInt16LittleEndian(e[10..]);
        long cdSize = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
        long cdOffset = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);

        if (eocdOffset >= 20)
        {
            var loc = ReadAt(eocdOffset - 20, 20, "zip64 locator");
            if (BinaryPrimitives.ReadUInt32LittleEndian(loc) == Zip64LocatorSignature)
            {
                long z64Offset = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(loc.AsSpan(8)), long.MaxValue);
                if (z64Offset < 0 || z64Offset > eocdOffset - 20 - 56)
                    throw new InvalidDataException($"zip64 end record offset {z64Offset} lies outside the archive.");
                var z = ReadAt(z64Offset, 56, "zip64 end record");
                if (BinaryPrimitives.ReadUInt32LittleEndian(z) != Zip64EndSignature)
                    throw new InvalidDataException("zip64 locator points to something that is not a zip64 end record.");
                count = ToLong(BinaryPrimitives.ReadUInt64LittleEndian(z.AsSpan(32)), "entry count");
                cdSize = ToLong(BinaryPrimitives.ReadUInt64LittleEndian(z.AsSpan(40)), "central directory size");
                cdOffset = ToLong(BinaryPrimitives.ReadUInt64LittleEndian(z.AsSpan(48)), "central directory offset");
            }
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > _length || cdSize > _length - cdOffset)
            throw new InvalidDataException($"central directory ({cdSize} bytes at {cdOffset}) lies outside the {_length}-byte archive.");
        if (count > cdSize / 46) throw new InvalidDataException($"central directory claims {count} entries but holds only {cdSize} bytes.");
        var cd = ReadAt(cdOffset, (int)Math.Min(cdSize, int.MaxValue), "central directory");
        int p = 0;
        for (long n = 0; n < count; n++)
        {
            if (p + 46 > cd.Length) throw new InvalidDataException($"central directory truncated at entry {n}.");
            var h = cd.AsSpan(p);
            if (BinaryPrimitives.ReadUInt32LittleEndian(h) != CentralHeaderSignature)
                throw new InvalidDataException($"bad central directory signature at entry {n}.");
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            ushort method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            long csize = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            long usize = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            if (p + 46L + nameLength + extraLength + commentLength > cd.Length)
                throw new InvalidDataException($"central directory truncated inside entry {n}.");
            string name = DecodeName(h.Slice(46, nameLength), flags);
            var extra = h.Slice(46 + nameLength, extraLength);
            // zip64 extended information: the 0xFFFFFFFF fields follow in the order size, compressed size, offset.
            int q = 0;
            while (q + 4 <= extra.Length)
            {
                ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra[q..]);
                int len = BinaryPrimitives.ReadUInt16LittleEndian(extra[(q + 2)..]);
                if (q + 4 + len > extra.Length) throw new InvalidDataException($"entry '{name}': malformed extra field.");
                if (id == 1)
                {
                    var z = extra.Slice(q + 4, len);
                    int r = 0;
                    if (usize == 0xFFFFFFFF) usize = Zip64Field(z, ref r, name, "size");
                    if (csize == 0xFFFFFFFF) csize = Zip64Field(z, ref r, name, "compressed size");
                    if (localOffset == 0xFFFFFFFF) localOffset = Zip64Field(z, ref r, name, "offset");
                }
                q += 4 + len;
            }
            p += 46 + nameLength + extraLength + commentLength;
            if (localOffset + 30 > _length || csize > _length - localOffset)
                throw new InvalidDataException($"entry '{name}' ({csize} bytes at {localOffset}) lies outside the {_length}-byte archive.");
            var entry = new ZipEntry(name, flags, method, crc, csize, usize, localOffset);
            if (!_byName.TryAdd(name, entry)) throw new InvalidDataException($"duplicate zip entry '{name}'.");
            _entries.Add(entry);
        }
    }

    /// <summary>Reads an entry fully, checking its size against <paramref name="maxBytes"/> and its CRC-32.</summary>
    public byte[] Read(ZipEntry entry, long maxBytes = int.MaxValue)
    {
        if ((entry.Flags & 1) != 0) throw new InvalidDataException($"entry '{entry.Name}' is encrypted.");
        if (entry.Size > maxBytes || entry.Size > Array.MaxLength)
            throw new InvalidDataException($"entry '{entry.Name}' holds {entry.Size} bytes, more than the {Math.Min(maxBytes, Array.MaxLength)} allowed.");
        var local = ReadAt(entry.LocalHeaderOffset, 30, $"local header of '{entry.Name}'");
        if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalHeaderSignature)
            throw new InvalidDataException($"entry '{entry.Name}': bad local header signature at {entry.LocalHeaderOffset}.");
        long dataOffset = entry.LocalHeaderOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(26)) +
                          BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(28));
        if (dataOffset > _length || entry.CompressedSize > _length - dataOffset)
            throw new InvalidDataException($"entry '{entry.Name}': data ({entry.CompressedSize} bytes at {dataOffset}) runs past the end of the {_length}-byte archive (truncated file?).");
        byte[] data;
        if (entry.Method == 0)
        {
            if (entry.CompressedSize != entry.Size)
                throw new InvalidDataException($"stored entry '{entry.Name}' has size {entry.Size} but compressed size {entry.CompressedSize}.");
            data = ReadAt(dataOffset, (int)entry.Size, $"entry '{entry.Name}'");
        }
        else if (entry.Method == 8)
        {
            // A deflate stream expands at most ~1032:1; refuse claims beyond that before allocating.
            if (entry.Size > entry.CompressedSize * 1100 + 1024)
                throw new InvalidDataException($"deflated entry '{entry.Name}' claims an implausible size {entry.Size} for {entry.CompressedSize} compressed bytes.");
            if (entry.CompressedSize > Array.MaxLength) throw new InvalidDataException($"entry '{entry.Name}' is too large.");
            var packed = ReadAt(dataOffset, (int)entry.CompressedSize, $"entry '{entry.Name}'");
            data = new byte[entry.Size];
            using var inflater = new DeflateStream(new MemoryStream(packed), CompressionMode.Decompress);
            try
            {
                int off = 0;
                while (off < data.Length)
                {
                    int r = inflater.Read(data, off, data.Length - off);
                    if (r <= 0) throw new InvalidDataException($"deflated entry '{entry.Name}' ends after {off} of {data.Length} bytes.");
                    off += r;
                }
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith("deflated entry", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"deflated entry '{entry.Name}' is corrupt: {e.Message}", e);
            }
        }
        else throw new InvalidDataException($"entry '{entry.Name}' uses unsupported compression method {entry.Method}.");
        uint crc = Crc32.Compute(data);
        if (crc != entry.Crc)
            throw new InvalidDataException($"entry '{entry.Name}' is corrupt: CRC-32 {crc:x8} differs from the recorded {entry.Crc:x8}.");
        return data;
    }

    private byte[] ReadAt(long offset, int count, string what)
    {
        if (offset < 0 || count < 0 || offset > _length || count > _length - offset)
            throw new InvalidDataException($"truncated archive: the {what} ({count} bytes at {offset}) runs past the end ({_length} bytes).");
        var buf = new byte[count];
        _stream.Position = offset;
        int off = 0;
        while (off < count)
        {
            int r = _stream.Read(buf, off, count - off);
            if (r <= 0) throw new InvalidDataException($"truncated archive while reading the {what}.");
            off += r;
        }
        return buf;
    }

    private static string DecodeName(ReadOnlySpan<byte> bytes, ushort flags)
    {
        try
        {
            return (flags & 0x800) != 0 || bytes.IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0
                ? new UTF8Encoding(false, true).GetString(bytes)
                : Encoding.Latin1.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException("zip entry name is not valid UTF-8.");
        }
    }

    private static long Zip64Field(ReadOnlySpan<byte> z, ref int r, string name, string what)
    {
        if (r + 8 > z.Length) throw new InvalidDataException($"entry '{name}': zip64 extra field lacks the {what}.");
        long v = ToLong(BinaryPrimitives.ReadUInt64LittleEndian(z[r..]), what);
        r += 8;
        return v;
    }

    private static long ToLong(ulong v, string what) =>
        v > long.MaxValue ? throw new InvalidDataException($"zip64 {what} {v} is out of range.") : (long)v;
}
