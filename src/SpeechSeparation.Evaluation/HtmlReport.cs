using System.Globalization;
using System.Net;
using System.Text;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation;

/// <summary>Options of <see cref="HtmlReport"/>.</summary>
public sealed class HtmlReportOptions
{
    /// <summary>Page title.</summary>
    public string Title { get; init; } = "Speech separation evaluation";

    /// <summary>Metric used to pick the best and worst utterances (default: <c>si_snr</c>, else the first metric).</summary>
    public string? RankingMetric { get; init; }

    /// <summary>How many best and how many worst utterances get spectrograms and audio players.</summary>
    public int ExtremeCount { get; init; } = 3;

    /// <summary>Histogram bins per metric.</summary>
    public int HistogramBins { get; init; } = 20;

    /// <summary>Longest audio excerpt embedded per player, seconds.</summary>
    public double MaxAudioSeconds { get; init; } = 10;
}

/// <summary>
/// A self-contained HTML report (no network access needed): the summary table, an inline-SVG histogram per metric, and
/// for the best and worst utterances spectrogram images (PNG data URIs) and <c>&lt;audio&gt;</c> players (WAV data URIs) of
/// the mixture, the references and the estimates.
/// </summary>
public static class HtmlReport
{
    /// <summary>Writes the report to <paramref name="path"/> (via a temporary file).</summary>
    public static void Write(string path, EvaluationResults results, HtmlReportOptions? options = null)
    {
        var html = Render(results, options);
        EvaluationResults.WriteAtomically(path, s => { var b = new UTF8Encoding(false).GetBytes(html); s.Write(b); });
    }

    /// <summary>Renders the report as an HTML string.</summary>
    public static string Render(EvaluationResults results, HtmlReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        options ??= new HtmlReportOptions();
        var sb = new StringBuilder();
        string E(string s) => WebUtility.HtmlEncode(s);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(options.Title)).Append("</title>\n");
        sb.Append("<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}")
          .Append("th{background:#eee}td.l{text-align:left}.hist{display:inline-block;margin:8px}.utt{border-top:1px solid #ccc;margin-top:1em;padding-top:.5em}")
          .Append(".sig{display:inline-block;margin:4px 12px 4px 0;vertical-align:top}.sig img{display:block;image-rendering:pixelated;border:1px solid #999}</style>\n</head><body>\n");
        sb.Append("<h1>").Append(E(options.Title)).Append("</h1>\n");
        int failed = results.Utterances.Count(u => u.Errors.ContainsKey("utterance"));
        sb.Append(CultureInfo.InvariantCulture, $"<p>{results.Utterances.Count} utterances, {failed} not evaluated.</p>\n");
        sb.Append("<h2>Summary</h2>\n<table id=\"summary\"><tr><th>metric</th><th>mean</th><th>median</th><th>std</th><th>count</th></tr>\n");
        foreach (var s in results.Summary)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(s.Metric)}</td><td>{s.Mean:F4}</td><td>{s.Median:F4}</td><td>{s.StandardDeviation:F4}</td><td>{s.Count}</td></tr>\n");
        sb.Append("</table>\n<h2>Distributions</h2>\n");
        foreach (var m in results.Metrics)
            sb.Append("<div class=\"hist\">").Append(Histogram(m, results.Utterances.Select(u => u.Values.TryGetValue(m, out var v) ? v : double.NaN), options.HistogramBins)).Append("</div>\n");

        string? rank = options.RankingMetric ?? (results.Metrics.Contains("si_snr") ? "si_snr" : results.Metrics.FirstOrDefault());
        if (rank is not null && options.ExtremeCount > 0)
        {
            var ranked = results.Utterances.Where(u => u.Values.TryGetValue(rank, out var v) && double.IsFinite(v)).OrderBy(u => u.Values[rank]).ToList();
            int k = Math.Min(options.ExtremeCount, ranked.Count);
            var worst = ranked.Take(k).ToList();
            var best = ranked.AsEnumerable().Reverse().Take(Math.Min(k, ranked.Count - k)).ToList();
            foreach (var (title, list) in new[] { ($"Best {best.Count} by {rank}", best), ($"Worst {worst.Count} by {rank}", worst) })
            {
                if (list.Count == 0) continue;
                sb.Append("<h2>").Append(E(title)).Append("</h2>\n");
                foreach (var u in list) Utterance(sb, u, options);
            }
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static void Utterance(StringBuilder sb, UtteranceResult u, HtmlReportOptions options)
    {
        string E(string s) => WebUtility.HtmlEncode(s);
        sb.Append("<div class=\"utt\"><h3>").Append(E(u.Id)).Append("</h3><p>")
          .Append(E(string.Join(", ", u.Values.Select(kv => $"{kv.Key} = {kv.Value.ToString("F3", CultureInfo.InvariantCulture)}")))).Append("</p>\n");
        var signals = new List<(string Label, string Path)>();
        if (u.Item.MixturePath is { } mp) signals.Add(("mixture", mp));
        for (int k = 0; k < u.Item.ReferencePaths.Count; k++) signals.Add(($"reference {k + 1}", u.Item.ReferencePaths[k]));
        if (u.EstimatePaths is { } ep) for (int k = 0; k < ep.Count; k++) signals.Add(($"estimate {k + 1}", ep[k]));
        foreach (var (label, path) in signals)
        {
            sb.Append("<div class=\"sig\"><b>").Append(E(label)).Append("</b>");
            try
            {
                var b = Audio.AudioFile.Read(path);
                if (b.Channels > 1) b = b.ToMono();
                int max = (int)Math.Min(b.Frames, options.MaxAudioSeconds * b.SampleRate);
                if (max < b.Frames) b = b.Slice(0, max);
                var png = Spectrogram(b.Channel(0), out int w, out int h);
                sb.Append(CultureInfo.InvariantCulture, $"<img alt=\"spectrogram of {E(label)}\" width=\"{w}\" height=\"{h}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">");
                using var ms = new MemoryStream();
                Wav.Write(ms, b, WavSampleFormat.Pcm16);
                sb.Append("<audio controls preload=\"none\" src=\"data:audio/wav;base64,").Append(Convert.ToBase64String(ms.ToArray())).Append("\"></audio>");
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
            {
                sb.Append("<p>").Append(E($"cannot read {path}: {ex.Message}")).Append("</p>");
            }
            sb.Append("</div>\n");
        }
        sb.Append("</div>\n");
    }

    /// <summary>An inline SVG histogram of the finite values.</summary>
    internal static string Histogram(string metric, IEnumerable<double> values, int bins)
    {
        var v = values.Where(double.IsFinite).ToArray();
        const int W = 320, H = 160, Pad = 24;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H + 2 * Pad}\" role=\"img\" aria-label=\"histogram of {WebUtility.HtmlEncode(metric)}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W / 2}\" y=\"14\" text-anchor=\"middle\" font-size=\"13\">{WebUtility.HtmlEncode(metric)} (n = {v.Length})</text>");
        if (v.Length > 0)
        {
            double lo = v.Min(), hi = v.Max();
            if (hi <= lo) { lo -= 0.5; hi += 0.5; }
            var counts = new int[bins];
            foreach (var x in v) counts[Math.Min(bins - 1, (int)((x - lo) / (hi - lo) * bins))]++;
            int cmax = counts.Max();
            double bw = (double)(W - 2 * Pad) / bins;
            for (int i = 0; i < bins; i++)
            {
                double bh = cmax == 0 ? 0 : (double)counts[i] / cmax * H;
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Pad + i * bw:F1}\" y=\"{Pad + H - bh:F1}\" width=\"{Math.Max(bw - 1, 1):F1}\" height=\"{bh:F1}\" fill=\"#4477aa\"><title>{counts[i]}</title></rect>");
            }
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Pad}\" y=\"{H + 2 * Pad - 4}\" font-size=\"11\">{lo:G4}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W - Pad}\" y=\"{H + 2 * Pad - 4}\" font-size=\"11\" text-anchor=\"end\">{hi:G4}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>A log-magnitude spectrogram (512-point Hann frames, hop 256, 80 dB range) as PNG, low frequencies at the bottom.</summary>
    internal static byte[] Spectrogram(ReadOnlySpan<float> x, out int width, out int height)
    {
        const int NFft = 512, HopLength = 256, MaxWidth = 600;
        int frames = Math.Max(1, (x.Length - NFft) / HopLength + 1);
        int bins = NFft / 2 + 1;
        var plan = RealFftPlan<double>.Get(NFft);
        var win = Window.Hann(NFft);
        var frame = new double[NFft];
        var spec = new double[2 * bins];
        var db = new double[frames * bins];
        double max = double.NegativeInfinity;
        for (int f = 0; f < frames; f++)
        {
            for (int i = 0; i < NFft; i++)
            {
                int t = f * HopLength + i;
                frame[i] = t < x.Length ? x[t] * win[i] : 0;
            }
            plan.Forward(frame, spec);
            for (int k = 0; k < bins; k++)
            {
                double p = spec[2 * k] * spec[2 * k] + spec[2 * k + 1] * spec[2 * k + 1];
                double d = 10 * Math.Log10(p + 1e-20);
                db[f * bins + k] = d;
                if (d > max) max = d;
            }
        }
        width = Math.Min(frames, MaxWidth);
        height = bins;
        var rgb = new byte[3 * width * height];
        for (int c = 0; c < width; c++)
        {
            int f = (int)((long)c * frames / width);
            for (int k = 0; k < bins; k++)
            {
                double level = Math.Clamp((db[f * bins + k] - (max - 80)) / 80, 0, 1);
                int row = bins - 1 - k, o = 3 * (row * width + c);
                (rgb[o], rgb[o + 1], rgb[o + 2]) = Colour(level);
            }
        }
        return PngEncoder.Encode(width, height, rgb);
    }

    // t, r, g, b per stop: dark blue → purple → orange → light yellow.
    private static readonly double[] ColourStops = [0, 0, 0.02, 0.1, 0.33, 0.35, 0.1, 0.5, 0.66, 0.93, 0.45, 0.2, 1.0, 0.99, 0.98, 0.75];

    private static (byte, byte, byte) Colour(double t)
    {
        var stops = ColourStops;
        for (int i = 0; i < 3; i++)
        {
            double t0 = stops[i * 4], t1 = stops[(i + 1) * 4];
            if (t <= t1 || i == 2)
            {
                double a = Math.Clamp((t - t0) / (t1 - t0), 0, 1);
                byte C(int j) => (byte)Math.Round(255 * (stops[i * 4 + j] + a * (stops[(i + 1) * 4 + j] - stops[i * 4 + j])));
                return (C(1), C(2), C(3));
            }
        }
        return (255, 255, 255);
    }
}
