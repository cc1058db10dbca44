using System.Text.Json;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Evaluation.Tests;

/// <summary>Access to a metrics fixture folder copied into tests/fixtures/metrics.</summary>
internal sealed class MetricFixture
{
    public MetricFixture(string name)
    {
        Directory = TestPaths.Fixture("metrics", name);
        Config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "config.json"))).RootElement.Clone();
    }

    public string Directory { get; }

    public JsonElement Config { get; }

    public HostTensor Npy(string file) => Serialization.Npy.Read(Path.Combine(Directory, file.EndsWith(".npy") ? file : file + ".npy"));

    public float[] Floats(string file) => Npy(file).ToFloatArray();

    public double[] Doubles(string file) => Npy(file).ToDoubleArray();

    /// <summary>A JSON number or one of the strings "Infinity", "-Infinity", "NaN".</summary>
    public static double Number(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString() switch
        {
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var s => throw new FormatException($"not a number: {s}"),
        },
        _ => throw new FormatException($"not a number: {e}"),
    };

    public static double[] Numbers(JsonElement e) => e.EnumerateArray().Select(Number).ToArray();

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    public double Expected(string key) => Number(Config.GetProperty("expected").GetProperty(key));

    public double[] ExpectedArray(string key) => Numbers(Config.GetProperty("expected").GetProperty(key));

    /// <summary>Row-major flattening of a JSON matrix.</summary>
    public double[] ExpectedMatrix(string key) =>
        Config.GetProperty("expected").GetProperty(key).EnumerateArray().SelectMany(r => r.EnumerateArray().Select(Number)).ToArray();

    public static void Close(double expected, double actual, double tol, string what = "")
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected))
        {
            Assert.True(expected.Equals(actual), $"{what}: expected {expected}, got {actual}");
            return;
        }
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(expected - actual):G3} > {tol:G3})");
    }
}
