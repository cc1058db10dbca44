using System.Text.Json;

namespace SpeechSeparation.Conformance.Metrics;

/// <summary>Reading the metrics fixtures' JSON values (non-finite numbers are the strings "Infinity", "-Infinity", "NaN").</summary>
internal static class MetricJson
{
    public static double Number(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString() switch
        {
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var s => throw new FormatException($"'{s}' is not a number."),
        },
        _ => throw new FormatException($"{e.ValueKind} is not a number."),
    };

    /// <summary>A number, a vector or a matrix, flattened row-major.</summary>
    public static double[] Flatten(JsonElement e) => e.ValueKind == JsonValueKind.Array
        ? e.EnumerateArray().SelectMany(Flatten).ToArray()
        : [Number(e)];

    public static long[] Longs(JsonElement e) => Flatten(e).Select(v => (long)v).ToArray();

    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        value = default;
        return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out value);
    }

    /// <summary>The tolerance of an output family, also accepting plain numbers (<c>"stoi": 1e-6</c>) as max-abs bounds.</summary>
    public static Tolerance ToleranceOf(Fixture fixture, string name)
    {
        if (TryGet(fixture.Config, "tolerance", out var t) && TryGet(t, name, out var v) && v.ValueKind == JsonValueKind.Number)
            return new Tolerance(MaxAbs: v.GetDouble());
        return fixture.ToleranceFor(name);
    }
}
