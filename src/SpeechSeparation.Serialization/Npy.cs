using System.Globalization;
using System.Text;

namespace SpeechSeparation.Serialization;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0–3.0; little- or big-endian numeric dtypes;
/// C or Fortran order). Object arrays are refused.
/// </summary>
public static class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a <c>.npy</c> file.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid .npy file (the message says why).</exception>
    public static HostTensor Read(string path)
    {
        using var fs = File.OpenRead(path);
        try { return Read(fs); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>Reads a <c>.npy</c> array from a stream.</summary>
    public static HostTensor Read(Stream stream)
    {
        var pre = new byte[8];
        ReadExactly(stream, pre, "magic");
        if (!pre.AsSpan(0, 6).SequenceEqual(Magic)) throw new InvalidDataException("not a .npy file (bad magic).");
        int major = pre[6];
        int headerLen;
        if (major == 1)
        {
            var b = new byte[2]; ReadExactly(stream, b, "header length");
            headerLen = b[0] | (b[1] << 8);
        }
        else if (major is 2 or 3)
        {
            var b = new byte[4]; ReadExactly(stream, b, "header length");
            headerLen = BitConverter.ToInt32(b);
            if (headerLen < 0 || headerLen > 1 << 24) throw new InvalidDataException($"implausible header length {headerLen}.");
        }
        else throw new InvalidDataException($"unsupported .npy version {major}.{pre[7]}.");
        var hb = new byte[headerLen];
        ReadExactly(stream, hb, "header");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(hb);

        string descr = HeaderValue(header, "descr").Trim().Trim('\'', '"');
        bool fortran = HeaderValue(header, "fortran_order").Trim() == "True";
        var shapeText = HeaderValue(header, "shape").Trim();
        if (!shapeText.StartsWith('(') || !shapeText.EndsWith(')')) throw new InvalidDataException($"bad shape '{shapeText}'.");
        var shape = shapeText[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long d)
                ? d : throw new InvalidDataException($"bad dimension '{s}' in shape '{shapeText}'."))
            .ToArray();

        var (dtype, bigEndian) = ParseDescr(descr);
        long count = 1, bytes;
        try
        {
            foreach (var d in shape) count = checked(count * d);
            bytes = checked(count * dtype.ElementSize());
        }
        catch (OverflowException) { throw new InvalidDataException($"shape {shapeText} is too large."); }
        if (bytes > Array.MaxLength) throw new InvalidDataException($"shape {shapeText} needs {bytes} bytes, more than one array holds.");
        if (stream.CanSeek && stream.Length - stream.Position < bytes)
            throw new InvalidDataException($"truncated: header promises {bytes} data bytes, {stream.Length - stream.Position} present.");
        // A stream of unknown length is read in blocks, so that a header promising gigabytes fails at the stream's end
        // instead of allocating them first.
        byte[] data;
        if (stream.CanSeek) { data = new byte[bytes]; ReadExactly(stream, data, "data"); }
        else
        {
            using var buffer = new MemoryStream();
            var block = new byte[1 << 16];
            while (buffer.Length < bytes)
            {
                int n = stream.Read(block, 0, (int)Math.Min(block.Length, bytes - buffer.Length));
                if (n == 0) throw new InvalidDataException($"truncated: header promises {bytes} data bytes, {buffer.Length} present.");
                buffer.Write(block, 0, n);
            }
            data = buffer.ToArray();
        }
        if (bigEndian) SwapBytes(data, dtype);
        if (fortran && shape.Length > 1) data = FortranToC(data, shape, dtype.ElementSize());
        return new HostTensor(dtype, shape, data);
    }

    /// <summary>Writes a tensor as a version 1.0 <c>.npy</c> file (C order, little-endian).</summary>
    public static void Write(string path, HostTensor tensor)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        using (var fs = File.Create(tmp)) Write(fs, tensor);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Writes a tensor as a version 1.0 <c>.npy</c> array to a stream.</summary>
    public static void Write(Stream stream, HostTensor tensor)
    {
        string descr = tensor.DType switch
        {
            ScalarType.Float32 => "<f4", ScalarType.Float64 => "<f8", ScalarType.Float16 => "<f2",
            ScalarType.Int64 => "<i8", ScalarType.Int32 => "<i4", ScalarType.Int16 => "<i2", ScalarType.Int8 => "|i1",
            ScalarType.UInt8 => "|u1", ScalarType.Bool => "|b1", ScalarType.Complex64 => "<c8", ScalarType.Complex128 => "<c16",
            _ => throw new NotSupportedException($".npy has no {tensor.DType.TorchName()} dtype."),
        };
        string shape = tensor.Shape.Length switch
        {
            0 => "()",
            1 => $"({tensor.Shape[0]},)",
            _ => "(" + string.Join(", ", tensor.Shape) + ")",
        };
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        int pad = (64 - total % 64) % 64;
        header = header + new string(' ', pad) + "\n";
        stream.Write(Magic);
        stream.WriteByte(1); stream.WriteByte(0);
        stream.WriteByte((byte)(header.Length & 0xFF)); stream.WriteByte((byte)(header.Length >> 8));
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(tensor.Data);
    }

    private static string HeaderValue(string header, string key)
    {
        int k = header.IndexOf("'" + key + "'", StringComparison.Ordinal);
        if (k < 0) k = header.IndexOf("\"" + key + "\"", StringComparison.Ordinal);
        if (k < 0) throw new InvalidDataException($"header lacks '{key}': {header}");
        int colon = header.IndexOf(':', k + key.Length + 2);
        if (colon < 0) throw new InvalidDataException($"malformed header: {header}");
        int i = colon + 1;
        while (i < header.Length && header[i] == ' ') i++;
        int end;
        if (i < header.Length && header[i] == '(') end = header.IndexOf(')', i) + 1;
        else if (i < header.Length && header[i] is '\'' or '"') end = header.IndexOf(header[i], i + 1) + 1;
        else { end = header.IndexOfAny([',', '}'], i); }
        if (end <= i) throw new InvalidDataException($"malformed header: {header}");
        return header[i..end];
    }

    private static (ScalarType, bool) ParseDescr(string d)
    {
        if (d.Length < 3) throw new InvalidDataException($"unsupported dtype '{d}'.");
        bool big = d[0] == '>';
        var code = d[1..];
        ScalarType t = code switch
        {
            "f4" => ScalarType.Float32, "f8" => ScalarType.Float64, "f2" => ScalarType.Float16,
            "i8" => ScalarType.Int64, "i4" => ScalarType.Int32, "i2" => ScalarType.Int16, "i1" => ScalarType.Int8,
            "u1" => ScalarType.UInt8, "b1" => ScalarType.Bool, "c8" => ScalarType.Complex64, "c16" => ScalarType.Complex128,
            _ => throw new InvalidDataException($"unsupported dtype '{d}'."),
        };
        return (t, big);
    }

    private static void SwapBytes(byte[] data, ScalarType t)
    {
        int w = t is ScalarType.Complex64 ? 4 : t is ScalarType.Complex128 ? 8 : t.ElementSize();
        if (w == 1) return;
        for (int i = 0; i < data.Length; i += w) Array.Reverse(data, i, w);
    }

    private static byte[] FortranToC(byte[] src, long[] shape, int es)
    {
        var dst = new byte[src.Length];
        int nd = shape.Length;
        long n = src.LongLength / es;
        var idx = new long[nd];
        for (long f = 0; f < n; f++)
        {
            // f is the Fortran-order linear index; idx its multi-index (first dim fastest).
            long rem = f;
            for (int d = 0; d < nd; d++) { idx[d] = rem % shape[d]; rem /= shape[d]; }
            long c = 0;
            for (int d = 0; d < nd; d++) c = c * shape[d] + idx[d];
            Buffer.BlockCopy(src, (int)(f * es), dst, (int)(c * es), es);
        }
        return dst;
    }

    private static void ReadExactly(Stream s, byte[] buf, string what)
    {
        int off = 0;
        while (off < buf.Length)
        {
            int r = s.Read(buf, off, buf.Length - off);
            if (r <= 0) throw new InvalidDataException($"truncated while reading the {what} ({off} of {buf.Length} bytes).");
            off += r;
        }
    }
}
