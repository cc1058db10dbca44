using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
#if !NO_SERIALIZATION
using SpeechSeparation.Serialization;
#endif

namespace SpeechSeparation.Signal.Tests;

/// <summary>Reads fixture arrays as doubles with their shape (via <see cref="Npy"/>; a minimal little-endian
/// float fallback keeps the tests independent of the shared reader's state).</summary>
internal static partial class FixtureNpy
{
    public static (double[] Data, long[] Shape) Read(string path)
    {
#if !NO_SERIALIZATION
        try
        {
            var t = Npy.Read(path);
            return (t.ToDoubleArray(), t.Shape);
        }
        catch (InvalidDataException)
        {
            return Fallback(File.ReadAllBytes(path));
        }
#else
        return Fallback(File.ReadAllBytes(path));
#endif
    }

    public static double[] Data(string path) => Read(path).Data;

    private static (double[], long[]) Fallback(byte[] b)
    {
        int major = b[6];
        int hlen = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8)) : BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8));
        int start = major == 1 ? 10 : 12;
        var header = Encoding.ASCII.GetString(b, start, hlen);
        var descr = DescrRegex().Match(header).Groups[1].Value;
        var shapeText = ShapeRegex().Match(header).Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var body = b.AsSpan(start + hlen);
        double[] data = descr switch
        {
            "<f8" => Enumerable.Range(0, body.Length / 8).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(start + hlen + 8 * i))).ToArray(),
            "<f4" => Enumerable.Range(0, body.Length / 4).Select(i => (double)BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(start + hlen + 4 * i))).ToArray(),
            _ => throw new NotSupportedException(descr),
        };
        return (data, shape);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
