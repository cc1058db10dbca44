using System.Buffers.Binary;
using System.Text;

namespace SpeechSeparation.Serialization;

/// <summary>
/// Writes an uncompressed zip archive laid out as PyTorch's <c>PyTorchStreamWriter</c> does: stored entries whose data
/// starts on a 64-byte boundary (padding in an <c>FB</c> extra field), zero timestamps, and zip64 end records.
/// Entries larger than 4 GiB or beyond 4 GiB offsets get zip64 extra fields.
/// </summary>
internal sealed class ZipStoreWriter
{
    private const int Alignment = 64;
    private readonly Stream _out;
    private readonly List<(byte[] Name, uint Crc, long Size, long Offset)> _central = [];

    public ZipStoreWriter(Stream output) => _out = output;

    /// <summary>Appends a stored entry.</summary>
    public void Add(string name, ReadOnlySpan<byte> data)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length > ushort.MaxValue) throw new ArgumentException($"zip entry name too long: {name}");
        long offset = _out.Position;
        uint crc = Crc32.Compute(data);
        long size = data.Length;
        bool zip64 = size >= 0xFFFFFFFF || offset >= 0xFFFFFFFF;
        int zip64Length = zip64 ? 4 + 16 : 0;
        long before = offset + 30 + nameBytes.Length + zip64Length + 4;
        int pad = (int)((Alignment - before % Alignment) % Alignment);

        Span<byte> h = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], (ushort)(zip64 ? 45 : 20));
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 0x0800);
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], zip64 ? 0xFFFFFFFF : (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], zip64 ? 0xFFFFFFFF : (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)(zip64Length + 4 + pad));
        _out.Write(h);
        _out.Write(nameBytes);
        if (zip64)
        {
            Span<byte> z = stackalloc byte[20];
            BinaryPrimitives.WriteUInt16LittleEndian(z, 1);
            BinaryPrimitives.WriteUInt16LittleEndian(z[2..], 16);
            BinaryPrimitives.WriteInt64LittleEndian(z[4..], size);
            BinaryPrimitives.WriteInt64LittleEndian(z[12..], size);
            _out.Write(z);
        }
        Span<byte> fb = stackalloc byte[4];
        fb[0] = (byte)'F'; fb[1] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(fb[2..], (ushort)pad);
        _out.Write(fb);
        for (int i = 0; i < pad; i++) _out.WriteByte((byte)'Z');
        _out.Write(data);
        _central.Add((nameBytes, crc, size, offset));
    }

    /// <summary>Writes the central directory and the end records.</summary>
    public void Finish()
    {
        long cdOffset = _out.Position;
        Span<byte> h = stackalloc byte[46];
        Span<byte> z = stackalloc byte[4 + 24];
        foreach (var (name, crc, size, offset) in _central)
        {
            bool bigSize = size >= 0xFFFFFFFF, bigOffset = offset >= 0xFFFFFFFF;
            int zipLen = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
            h.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)(zipLen > 0 ? 45 : 20));
            BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0x0800);
            BinaryPrimitives.WriteUInt16LittleEndian(h[10..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(h[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(h[20..], bigSize ? 0xFFFFFFFF : (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[24..], bigSize ? 0xFFFFFFFF : (uint)size);
            BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(h[30..], (ushort)(zipLen > 0 ? zipLen + 4 : 0));
            BinaryPrimitives.WriteUInt16LittleEndian(h[32..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(h[34..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(h[36..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(h[38..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(h[42..], bigOffset ? 0xFFFFFFFF : (uint)offset);
            _out.Write(h);
            _out.Write(name);
            if (zipLen > 0)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(z, 1);
                BinaryPrimitives.WriteUInt16LittleEndian(z[2..], (ushort)zipLen);
                int p = 4;
                if (bigSize)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(z[p..], size); p += 8;
                    BinaryPrimitives.WriteInt64LittleEndian(z[p..], size); p += 8;
                }
                if (bigOffset) { BinaryPrimitives.WriteInt64LittleEndian(z[p..], offset); p += 8; }
                _out.Write(z[..p]);
            }
        }
        long cdSize = _out.Position - cdOffset;
        long z64Offset = _out.Position;
        Span<byte> e64 = stackalloc byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(e64, 0x06064b50);
        BinaryPrimitives.WriteInt64LittleEndian(e64[4..], 44);
        BinaryPrimitives.WriteUInt16LittleEndian(e64[12..], 45);
        BinaryPrimitives.WriteUInt16LittleEndian(e64[14..], 45);
        BinaryPrimitives.WriteUInt32LittleEndian(e64[16..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(e64[20..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(e64[24..], _central.Count);
        BinaryPrimitives.WriteInt64LittleEndian(e64[32..], _central.Count);
        BinaryPrimitives.WriteInt64LittleEndian(e64[40..], cdSize);
        BinaryPrimitives.WriteInt64LittleEndian(e64[48..], cdOffset);
        _out.Write(e64);
        Span<byte> loc = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(loc, 0x07064b50);
        BinaryPrimitives.WriteUInt32LittleEndian(loc[4..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(loc[8..], z64Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(loc[16..], 1);
        _out.Write(loc);
        Span<byte> e = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(e, 0x06054b50);
        ushort count16 = (ushort)Math.Min(_central.Count, 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(e[8..], count16);
        BinaryPrimitives.WriteUInt16LittleEndian(e[10..], count16);
        BinaryPrimitives.WriteUInt32LittleEndian(e[12..], (uint)Math.Min(cdSize, 0xFFFFFFFF));
        BinaryPrimitives.WriteUInt32LittleEndian(e[16..], (uint)Math.Min(cdOffset, 0xFFFFFFFF));
        _out.Write(e);
    }
}
