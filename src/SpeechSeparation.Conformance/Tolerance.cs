using System.Text.Json;

namespace SpeechSeparation.Conformance;

/// <summary>
/// Bounds an output must meet (every bound given must hold): largest absolute difference, relative L2 error
/// (‖got − expected‖₂ / ‖expected‖₂), and largest absolute difference relative to the expected array's largest magnitude.
/// </summary>
public sealed record Tolerance(double? MaxAbs = null, double? RelL2 = null, double? MaxAbsRelToMax = null)
{
    /// <summary>Exact equality.</summary>
    public static Tolerance Exact { get; } = new(MaxAbs: 0);

    /// <summary>Reads <c>max_abs</c> (or <c>max_abs_db</c>), <c>rel_l2</c> and <c>max_abs_rel_to_max</c> from a JSON object.</summary>
    public static Tolerance Parse(JsonElement e)
    {
        double? Get(params string[] names)
        {
            foreach (var n in names)
                if (e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number) return v.GetDouble();
            return null;
        }
        return new Tolerance(Get("max_abs", "max_abs_db", "y_max_abs"), Get("rel_l2"), Get("max_abs_rel_to_max"));
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (MaxAbs is { } a) parts.Add($"max_abs≤{a:G3}");
        if (RelL2 is { } r) parts.Add($"rel_l2≤{r:G3}");
        if (MaxAbsRelToMax is { } m) parts.Add($"max_abs/max≤{m:G3}");
        return string.Join(", ", parts);
    }
}
