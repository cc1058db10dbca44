using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SpeechSeparation.Evaluation;

/// <summary>The metrics of one utterance (means over sources), or the error that prevented them.</summary>
/// <param name="Id">Utterance identifier.</param>
/// <param name="Item">The dataset entry.</param>
/// <param name="Values">Metric name → value (e.g. <c>si_snr</c>, <c>sdr</c>, <c>stoi</c>).</param>
/// <param name="Errors">Metric (or <c>utterance</c>) → error message, for what could not be computed.</param>
/// <param name="SampleRate">The utterance's sample rate.</param>
/// <param name="Samples">Evaluated length in samples (after aligning estimates and references).</param>
/// <param name="EstimatePaths">Files of the estimates (files mode, or written by the evaluator), for reports.</param>
public sealed record UtteranceResult(string Id, EvaluationItem Item, IReadOnlyDictionary<string, double> Values,
    IReadOnlyDictionary<string, string> Errors, int SampleRate, int Samples, IReadOnlyList<string>? EstimatePaths)
{
    /// <summary>
    /// The pairing chosen by permutation-invariant SI-SNR: <c>Permutation[j]</c> is the index of the estimate (in
    /// <see cref="EstimatePaths"/> / model output order) matched to reference <c>j</c>; null when the utterance failed.
    /// </summary>
    public IReadOnlyList<int>? Permutation { get; init; }

    /// <summary>Per-source metrics on that pairing, one entry per reference (empty when the utterance failed).</summary>
    public IReadOnlyList<SourceResult> Sources { get; init; } = [];
}

/// <summary>The metrics of one reference and the estimate matched to it by permutation-invariant SI-SNR.</summary>
/// <param name="Reference">Reference index (0-based, order of <see cref="EvaluationItem.ReferencePaths"/>).</param>
/// <param name="Estimate">Index of the matched estimate (0-based, order of the estimate files or the model's outputs).</param>
/// <param name="Values">Metric name → value for this pair: <c>si_snr</c>, <c>si_snri</c> (against the mixture), <c>sdr</c>,
/// <c>sir</c>, <c>sar</c>, <c>sdri</c> (BSS Eval on this pairing, which may differ from mir_eval's own choice used for the
/// utterance means), <c>snr</c>, <c>snri</c>, <c>stoi</c>, <c>estoi</c> and extra metrics, as computed.</param>
public sealed record SourceResult(int Reference, int Estimate, IReadOnlyDictionary<string, double> Values);

/// <summary>Summary statistics of one metric over the utterances where it is finite.</summary>
/// <param name="Metric">Metric name.</param>
/// <param name="Mean">Mean.</param>
/// <param name="Median">Median.</param>
/// <param name="StandardDeviation">Population standard deviation (numpy's default, ddof = 0).</param>
/// <param name="Count">Number of utterances with a finite value.</param>
public sealed record MetricSummary(string Metric, double Mean, double Median, double StandardDeviation, int Count);

/// <summary>Progress of a dataset evaluation.</summary>
/// <param name="Completed">Utterances finished (successfully or not).</param>
/// <param name="Total">Utterances in the dataset.</param>
/// <param name="LastId">The utterance that just finished.</param>
public readonly record struct EvaluationProgress(int Completed, int Total, string LastId);

/// <summary>Per-utterance results and per-metric summaries of a dataset evaluation.</summary>
public sealed class EvaluationResults
{
    /// <summary>Creates results from per-utterance rows (kept in dataset order).</summary>
    public EvaluationResults(IReadOnlyList<UtteranceResult> utterances)
    {
        Utterances = utterances;
        Metrics = utterances.SelectMany(u => u.Values.Keys).Distinct().OrderBy(MetricOrder).ThenBy(m => m, StringComparer.Ordinal).ToList();
        Summary = Metrics.Select(m => Summarize(m, utterances.Select(u => u.Values.TryGetValue(m, out var v) ? v : double.NaN))).ToList();
    }

    /// <summary>Every utterance, in dataset order.</summary>
    public IReadOnlyList<UtteranceResult> Utterances { get; }

    /// <summary>Metric names present in the results.</summary>
    public IReadOnlyList<string> Metrics { get; }

    /// <summary>Mean, median, standard deviation and count per metric.</summary>
    public IReadOnlyList<MetricSummary> Summary { get; }

    /// <summary>Statistics over the finite values.</summary>
    public static MetricSummary Summarize(string metric, IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        if (v.Length == 0) return new MetricSummary(metric, double.NaN, double.NaN, double.NaN, 0);
        double mean = v.Average();
        double var = v.Sum(x => (x - mean) * (x - mean)) / v.Length;
        int m = v.Length / 2;
        double median = v.Length % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
        return new MetricSummary(metric, mean, median, Math.Sqrt(var), v.Length);
    }

    /// <summary>Writes one row per utterance: <c>id</c>, every metric, then <c>error</c>.</summary>
    public void WriteCsv(TextWriter w)
    {
        w.WriteLine(string.Join(',', new[] { "id" }.Concat(Metrics).Append("error").Select(Quote)));
        foreach (var u in Utterances)
        {
            var cells = new List<string> { Quote(u.Id) };
            foreach (var m in Metrics) cells.Add(u.Values.TryGetValue(m, out var v) ? Format(v) : "");
            cells.Add(Quote(string.Join("; ", u.Errors.Select(e => $"{e.Key}: {e.Value}"))));
            w.WriteLine(string.Join(',', cells));
        }
    }

    /// <summary>Writes the per-metric summary as CSV (<c>metric,mean,median,std,count</c>).</summary>
    public void WriteSummaryCsv(TextWriter w)
    {
        w.WriteLine("metric,mean,median,std,count");
        foreach (var s in Summary)
            w.WriteLine($"{Quote(s.Metric)},{Format(s.Mean)},{Format(s.Median)},{Format(s.StandardDeviation)},{s.Count}");
    }

    /// <summary>Writes <c>{"summary": {metric: {mean, median, std, count}}, "utterances": [{id, metrics…, estimates,
    /// permutation, sources: [{reference, estimate, metrics…}], errors}]}</c> (indices 0-based);
    /// non-finite numbers are written as the strings "Infinity", "-Infinity", "NaN".</summary>
    public void WriteJson(Stream stream)
    {
        using var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        j.WriteStartObject("summary");
        foreach (var s in Summary)
        {
            j.WriteStartObject(s.Metric);
            Num(j, "mean", s.Mean); Num(j, "median", s.Median); Num(j, "std", s.StandardDeviation);
            j.WriteNumber("count", s.Count);
            j.WriteEndObject();
        }
        j.WriteEndObject();
        j.WriteStartArray("utterances");
        foreach (var u in Utterances)
        {
            j.WriteStartObject();
            j.WriteString("id", u.Id);
            j.WriteNumber("sample_rate", u.SampleRate);
            j.WriteNumber("samples", u.Samples);
            foreach (var m in Metrics) if (u.Values.TryGetValue(m, out var v)) Num(j, m, v);
            if (u.EstimatePaths is { } paths)
            {
                j.WriteStartArray("estimates");
                foreach (var p in paths) j.WriteStringValue(p);
                j.WriteEndArray();
            }
            if (u.Permutation is { } perm)
            {
                j.WriteStartArray("permutation");
                foreach (var p in perm) j.WriteNumberValue(p);
                j.WriteEndArray();
            }
            if (u.Sources.Count > 0)
            {
                j.WriteStartArray("sources");
                foreach (var src in u.Sources)
                {
                    j.WriteStartObject();
                    j.WriteNumber("reference", src.Reference);
                    j.WriteNumber("estimate", src.Estimate);
                    foreach (var kv in src.Values.OrderBy(kv => MetricOrder(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal)) Num(j, kv.Key, kv.Value);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
            }
            if (u.Errors.Count > 0)
            {
                j.WriteStartObject("errors");
                foreach (var e in u.Errors) j.WriteString(e.Key, e.Value);
                j.WriteEndObject();
            }
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
    }

    /// <summary>Writes <c>PREFIX.csv</c>, <c>PREFIX_summary.csv</c> and <c>PREFIX.json</c> into <paramref name="directory"/>
    /// (each written to a temporary file first, then moved into place).</summary>
    public IReadOnlyList<string> Save(string directory, string prefix = "results")
    {
        Directory.CreateDirectory(directory);
        var paths = new[] { Path.Combine(directory, prefix + ".csv"), Path.Combine(directory, prefix + "_summary.csv"), Path.Combine(directory, prefix + ".json") };
        WriteAtomically(paths[0], s => { using var w = new StreamWriter(s, new UTF8Encoding(false)); WriteCsv(w); });
        WriteAtomically(paths[1], s => { using var w = new StreamWriter(s, new UTF8Encoding(false)); WriteSummaryCsv(w); });
        WriteAtomically(paths[2], WriteJson);
        return paths;
    }

    internal static void WriteAtomically(string path, Action<Stream> write)
    {
        string tmp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var fs = File.Create(tmp)) write(fs);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static void Num(Utf8JsonWriter j, string name, double v)
    {
        if (double.IsFinite(v)) j.WriteNumber(name, v);
        else j.WriteString(name, double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }

    internal static string Format(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "Infinity" : double.IsNegativeInfinity(v) ? "-Infinity" : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    internal static int MetricOrder(string m) => Array.IndexOf(KnownOrder, m) is var i && i >= 0 ? i : KnownOrder.Length;

    private static readonly string[] KnownOrder = ["si_snr", "si_snri", "sdr", "sdri", "sir", "sar", "snr", "snri", "stoi", "estoi"];
}
