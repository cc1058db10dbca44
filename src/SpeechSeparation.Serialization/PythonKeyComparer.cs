using System.Numerics;

namespace SpeechSeparation.Serialization;

/// <summary>
/// Python's equality for dictionary keys and set items: numbers compare by value across int, float and bool
/// (<c>1 == 1.0 == True</c>), strings and bytes by content, tuples item by item (to a bounded depth); other objects by
/// identity. <see cref="Normalize"/> maps <c>None</c> to a sentinel so it can be a key.
/// </summary>
internal sealed class PythonKeyComparer : IEqualityComparer<object>, IEqualityComparer<string>
{
    private const int MaxDepth = 16;
    private static readonly object NoneKey = new();

    public static PythonKeyComparer Instance { get; } = new();

    public static object Normalize(object? key) => key switch
    {
        null => NoneKey,
        bool b => b ? 1L : 0L,
        int i => (long)i,
        double d when d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue => (long)d,
        BigInteger bi when bi >= long.MinValue && bi <= long.MaxValue => (long)bi,
        _ => key,
    };

    public new bool Equals(object? x, object? y) => Eq(x, y, 0);

    private static bool Eq(object? x, object? y, int depth)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        x = Normalize(x); y = Normalize(y);
        switch (x)
        {
            case long la: return y is long lb && la == lb;
            case double da: return y is double db && da.Equals(db);
            case string sa: return y is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case byte[] ba: return y is byte[] bb && ba.AsSpan().SequenceEqual(bb);
            case BigInteger ia: return y is BigInteger ib && ia == ib;
            case Complex ca: return y is Complex cb && ca == cb;
            case PythonTuple a when depth < MaxDepth:
                if (y is not PythonTuple t || t.Count != a.Count) return false;
                for (int i = 0; i < a.Count; i++)
                    if (!Eq(Normalize(a[i]), Normalize(t[i]), depth + 1)) return false;
                return true;
            default: return x.Equals(y);
        }
    }

    public int GetHashCode(object obj) => Hash(obj, 0);

    bool IEqualityComparer<string>.Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

    int IEqualityComparer<string>.GetHashCode(string obj) => HashString(obj);

    /// <summary>Hashes length and at most 128 characters, so that hashing a huge key repeatedly stays cheap.</summary>
    private static int HashString(string s) => s.Length <= 128
        ? string.GetHashCode(s.AsSpan(), StringComparison.Ordinal)
        : HashCode.Combine(s.Length, string.GetHashCode(s.AsSpan(0, 64), StringComparison.Ordinal), string.GetHashCode(s.AsSpan(s.Length - 64), StringComparison.Ordinal));

    private static int Hash(object? obj, int depth)
    {
        obj = Normalize(obj);
        switch (obj)
        {
            case string s: return HashString(s);
            case byte[] b:
            {
                // Bounded work per key: a pickle may use one huge key many times.
                var h = new HashCode();
                h.Add(b.Length);
                h.AddBytes(b.AsSpan(0, Math.Min(b.Length, 64)));
                h.AddBytes(b.AsSpan(Math.Max(b.Length - 64, 0)));
                return h.ToHashCode();
            }
            case PythonTuple t when depth < MaxDepth:
            {
                var h = new HashCode();
                h.Add(t.Count);
                for (int i = 0; i < Math.Min(t.Count, 16); i++) h.Add(Hash(t[i], depth + 1));
                return h.ToHashCode();
            }
            case PythonTuple t: return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(t);
            default: return obj.GetHashCode();
        }
    }
}
