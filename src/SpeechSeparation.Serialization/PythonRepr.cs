using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace SpeechSeparation.Serialization;

/// <summary>Short Python-style text for values read from checkpoints (for listings and messages); bounded in depth and length.</summary>
public static class PythonRepr
{
    private const int MaxDepth = 6;

    /// <summary>Formats <paramref name="value"/> roughly as Python's <c>repr</c> would, cut at <paramref name="maxLength"/> characters.</summary>
    public static string Format(object? value, int maxLength = 200)
    {
        var sb = new StringBuilder();
        Append(sb, value, 0, Math.Max(maxLength, 8) + 1);
        return sb.Length > maxLength ? sb.ToString(0, Math.Max(maxLength - 3, 0)) + "..." : sb.ToString();
    }

    private static void Append(StringBuilder sb, object? v, int depth, int limit)
    {
        if (sb.Length > limit) return;
        switch (v)
        {
            case null: sb.Append("None"); return;
            case bool b: sb.Append(b ? "True" : "False"); return;
            case string s: sb.Append('\'').Append(s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n")).Append('\''); return;
            case long or int or BigInteger: sb.Append(Convert.ToString(v, CultureInfo.InvariantCulture)); return;
            case double d: sb.Append(FormatDouble(d)); return;
            case Complex c: sb.Append('(').Append(FormatDouble(c.Real)).Append(c.Imaginary < 0 ? "" : "+").Append(FormatDouble(c.Imaginary)).Append("j)"); return;
            case byte[] bytes: sb.Append("b'<").Append(bytes.Length).Append(" bytes>'"); return;
            case HostTensor t: sb.Append("tensor(").Append(t.DType.TorchName()).Append('[').Append(string.Join(", ", t.Shape)).Append("])"); return;
            case PythonGlobal g: sb.Append('<').Append(g.FullName).Append('>'); return;
        }
        if (depth >= MaxDepth) { sb.Append("..."); return; }
        switch (v)
        {
            case PythonDict d:
                sb.Append(d.IsOrdered ? "OrderedDict({" : "{");
                int n = 0;
                foreach (var kv in d.Items)
                {
                    if (sb.Length > limit) return;
                    if (n++ > 0) sb.Append(", ");
                    Append(sb, kv.Key, depth + 1, limit);
                    sb.Append(": ");
                    Append(sb, kv.Value, depth + 1, limit);
                }
                sb.Append(d.IsOrdered ? "})" : "}");
                return;
            case PythonObject o:
                sb.Append(o.FullName).Append('(');
                int m = 0;
                foreach (var a in o.Arguments)
                {
                    if (m++ > 0) sb.Append(", ");
                    Append(sb, a, depth + 1, limit);
                }
                if (o.Attributes is { } attrs)
                    foreach (var kv in attrs.Items)
                    {
                        if (sb.Length > limit) return;
                        if (m++ > 0) sb.Append(", ");
                        sb.Append(PythonDict.KeyText(kv.Key)).Append('=');
                        Append(sb, kv.Value, depth + 1, limit);
                    }
                else if (o.State is not null)
                {
                    if (m > 0) sb.Append(", ");
                    sb.Append("state=");
                    Append(sb, o.State, depth + 1, limit);
                }
                sb.Append(')');
                return;
            case PythonTuple t:
                sb.Append('(');
                AppendItems(sb, t, depth, limit);
                if (t.Count == 1) sb.Append(',');
                sb.Append(')');
                return;
            case PythonSet s:
                sb.Append(s.IsFrozen ? "frozenset({" : "{");
                AppendItems(sb, s, depth, limit);
                sb.Append(s.IsFrozen ? "})" : "}");
                return;
            case IEnumerable list:
                sb.Append('[');
                AppendItems(sb, list, depth, limit);
                sb.Append(']');
                return;
            default:
                sb.Append(v);
                return;
        }
    }

    private static void AppendItems(StringBuilder sb, IEnumerable items, int depth, int limit)
    {
        int n = 0;
        foreach (var i in items)
        {
            if (sb.Length > limit) return;
            if (n++ > 0) sb.Append(", ");
            Append(sb, i, depth + 1, limit);
        }
    }

    private static string FormatDouble(double d) =>
        double.IsNaN(d) ? "nan" : double.IsPositiveInfinity(d) ? "inf" : double.IsNegativeInfinity(d) ? "-inf" :
        d == Math.Floor(d) && Math.Abs(d) < 1e16 ? d.ToString("0.0", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);
}
