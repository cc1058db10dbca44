using System.Collections;
using System.Globalization;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Training;

/// <summary>Conversions of values read back from checkpoints (Python ints, floats, tuples, 0-d tensors) to .NET values.</summary>
internal static class PyConvert
{
    public static double ToDouble(object? v, string what) => v switch
    {
        double d => d,
        float f => f,
        long l => l,
        int i => i,
        bool b => b ? 1 : 0,
        HostTensor t when t.ElementCount == 1 => t.ToDoubleArray()[0],
        System.Numerics.BigInteger bi => (double)bi,
        _ => throw new InvalidDataException($"{what}: expected a number, found {Describe(v)}."),
    };

    public static long ToLong(object? v, string what) => v switch
    {
        long l => l,
        int i => i,
        double d when d == Math.Floor(d) => (long)d,
        bool b => b ? 1 : 0,
        HostTensor t when t.ElementCount == 1 => (long)t.ToDoubleArray()[0],
        _ => throw new InvalidDataException($"{what}: expected an integer, found {Describe(v)}."),
    };

    public static bool ToBool(object? v, string what) => v switch
    {
        bool b => b,
        long l => l != 0,
        int i => i != 0,
        _ => throw new InvalidDataException($"{what}: expected a bool, found {Describe(v)}."),
    };

    public static List<object?> ToList(object? v, string what) => v switch
    {
        List<object?> l => l,
        PythonTuple t => [.. t],
        string => throw new InvalidDataException($"{what}: expected a list, found a string."),
        IEnumerable e => e.Cast<object?>().ToList(),
        _ => throw new InvalidDataException($"{what}: expected a list, found {Describe(v)}."),
    };

    public static double[] ToDoubles(object? v, string what) => [.. ToList(v, what).Select((x, i) => ToDouble(x, $"{what}[{i}]"))];

    public static IReadOnlyDictionary<string, object?> ToDict(object? v, string what) => v switch
    {
        IReadOnlyDictionary<string, object?> d => d,
        IDictionary d => d.Cast<DictionaryEntry>().ToDictionary(e => PythonDict.KeyText(e.Key), e => e.Value),
        _ => throw new InvalidDataException($"{what}: expected a dictionary, found {Describe(v)}."),
    };

    public static object? Get(IReadOnlyDictionary<string, object?> d, string key, string what) =>
        d.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{what}: the entry '{key}' is missing.");

    /// <summary>A copy of a .NET value in a form the checkpoint writer understands (tuples become <see cref="PythonTuple"/>).</summary>
    public static object? ToPython(object? v) => v switch
    {
        ValueTuple<double, double> t => new PythonTuple(t.Item1, t.Item2),
        double[] a => a.Select(x => (object?)x).ToList(),
        int i => (long)i,
        _ => v,
    };

    public static string Describe(object? v) => v switch
    {
        null => "None",
        string s => $"'{s}'",
        IFormattable f => $"{v.GetType().Name} {f.ToString(null, CultureInfo.InvariantCulture)}",
        _ => v.GetType().Name,
    };
}
