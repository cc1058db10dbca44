using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Conformance.Dsp;

/// <summary>Reading the dsp fixtures' parameters: window descriptions, optional numbers, per-output tolerances.</summary>
internal static partial class DspConfig
{
    public static int? Int(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    public static double? Double(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool? Bool(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>
    /// A window from a fixture description: torch calls (<c>torch.hann_window(N, periodic=False)</c>), scipy/librosa names
    /// (<c>hann</c>, <c>('kaiser', 5.0)</c>), <c>sqrt(...)</c>, <c>numpy.hanning(L+2)[1:-1]</c>, <c>None</c> (rectangular).
    /// </summary>
    public static double[] Window(string description, int length)
    {
        var c = description.Trim().ToLowerInvariant();
        bool periodic = !c.Contains("periodic=false") && !c.Contains("fftbins=false") && !c.Contains("symmetric");
        if (c.StartsWith("sqrt") || c.Contains("sqrt_hann") || c.Contains("sqrthann")) return Signal.Window.SqrtHann(length, periodic);
        if (c.Contains("numpy.hanning") || c.Contains("matlab")) return Signal.Window.MatlabHanning(length);
        if (c.Contains("kaiser"))
        {
            var m = BetaRegex().Match(c);
            double beta = m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 5.0;
            // numpy.kaiser and get_window(..., fftbins=False) are symmetric; get_window's default (fftbins=True) is periodic
            return Signal.Window.Kaiser(length, beta, periodic: c.Contains("get_window") && periodic);
        }
        if (c.Contains("hann")) return Signal.Window.Hann(length, periodic);
        if (c.Contains("hamming")) return Signal.Window.Hamming(length, periodic);
        if (c.Contains("blackman")) return Signal.Window.Blackman(length, periodic);
        if (c.StartsWith("none") || c.Contains("rect") || c.Contains("ones") || c.Contains("boxcar")) return Signal.Window.Rectangular(length);
        throw new NotSupportedException($"Unknown window description '{description}'.");
    }

    /// <summary>The tolerance of an output, also accepting flat keys such as <c>y_max_abs</c> / <c>filter_max_abs</c>.</summary>
    public static Tolerance ToleranceOf(Fixture fixture, string output)
    {
        if (fixture.Config.TryGetProperty("tolerance", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            double? abs = Double(t, output + "_max_abs"), rel = Double(t, output + "_rel_l2");
            if (abs is not null || rel is not null) return new Tolerance(abs, rel);
            if (t.TryGetProperty(output, out var v) && v.ValueKind == JsonValueKind.Number) return new Tolerance(v.GetDouble());
        }
        return fixture.ToleranceFor(output);
    }

    [GeneratedRegex(@"kaiser'?\s*,\s*([0-9.eE+-]+)")]
    private static partial Regex BetaRegex();
}
