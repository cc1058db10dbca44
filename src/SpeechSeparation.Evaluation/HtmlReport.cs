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

    /// <summary>Sets of at most this many utterances show every utterance in detail (dataset order); larger sets show the
    /// best and worst <see cref="ExtremeCount"/>.</summary>
    public int ShowAllUpTo { get; init; } = 8;

    /// <summary>How many best and how many worst utterances get spectrograms and audio players in larger sets.</summary>
    public int ExtremeCount { get; init; } = 3;

    /// <summary>Distribution plots show every value as a point over a box plot up to this many values, a histogram beyond.</summary>
    public int PointPlotLimit { get; init; } = 200;

    /// <summary>Histogram bins per metric (sets larger than <see cref="PointPlotLimit"/>).</summary>
    public int HistogramBins { get; init; } = 20;

    /// <summary>Longest audio excerpt embedded per player (and shown per spectrogram), seconds.</summary>
    public double MaxAudioSeconds { get; init; } = 10;

    /// <summary>Budget for the embedded audio (WAV bytes before base64): once spent, further signals get a note instead of
    /// a player. Default 16 MiB (about 8.7 minutes of 16 kHz audio).</summary>
    public long MaxEmbeddedAudioBytes { get; init; } = 16L << 20;

    /// <summary>Budget for the embedded spectrograms (PNG bytes before base64): once spent, further signals get a note
    /// instead. Default 8 MiB (a 10 s excerpt's spectrogram is about 0.2 MiB).</summary>
    public long MaxEmbeddedImageBytes { get; init; } = 8L << 20;

    /// <summary>Rows of the per-utterance table (dataset order); the rest are in results.csv.</summary>
    public int MaxTableRows { get; init; } = 1000;
}

/// <summary>
/// A self-contained HTML report (no network access needed): the summary table, a distribution plot per metric (ScottPlot
/// PNG data URIs: points over a box plot for small sets, a histogram for large ones, value axis in the metric's unit), a
/// per-utterance table, and for every utterance of a small set (else the best and worst) the spectrogram (PNG data URI)
/// and <c>&lt;audio&gt;</c> player (WAV data URI) of the mixture, and of each reference beside the estimate the SI-SNR
/// permutation matched to it, with that pair's metrics.
/// </summary>
public static class HtmlReport
{
    /// <summary>Writes the report to <paramref name="path"/> (via a temporary file).</summary>
    public static void Write(string path, EvaluationResults results, HtmlReportOptions? options = null)
    {
        var html = Render(results, options);
        EvaluationResults.WriteAtomically(path, s => { var b = new UTF8Encoding(false).GetBytes(html); s.Write(b); });
    }

    private sealed class MediaBudget(long audioBytes, long imageBytes)
    {
        public long AudioLeft = audioBytes, ImagesLeft = imageBytes;
        public int OmittedAudio, OmittedImages;
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string F(double v, string format = "F3") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Renders the report as an HTML string.</summary>
    public static string Render(EvaluationResults results, HtmlReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        options ??= new HtmlReportOptions();
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(options.Title)).Append("</title>\n");
        sb.Append("<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}")
          .Append("th{background:#eee}td.l{text-align:left}.plot{display:inline-block;margin:8px;vertical-align:top}.plot figcaption{font-size:85%;color:#444;max-width:380px}")
          .Append(".utt{border-top:1px solid #ccc;margin-top:1em;padding-top:.5em}table.pairs td{vertical-align:top;text-align:left}table.m td{border:none;padding:1px 6px}")
          .Append(".sig{display:inline-block;margin:4px 12px 4px 0;vertical-align:top}.sig img{display:block;image-rendering:pixelated;border:1px solid #999;max-width:100%}")
          .Append(".note{color:#a40}.file{font-size:80%;color:#666}</style>\n</head><body>\n");
        sb.Append("<h1>").Append(E(options.Title)).Append("</h1>\n");
        int failed = results.Utterances.Count(u => u.Errors.ContainsKey("utterance"));
        sb.Append(CultureInfo.InvariantCulture, $"<p>{results.Utterances.Count} utterances, {failed} not evaluated.</p>\n");
        sb.Append("<h2>Summary</h2>\n<table id=\"summary\"><tr><th>metric</th><th>unit</th><th>mean</th><th>median</th><th>std</th><th>count</th></tr>\n");
        foreach (var s in results.Summary)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(s.Metric)}</td><td class=\"l\">{MetricPlots.Unit(s.Metric)}</td><td>{s.Mean:F4}</td><td>{s.Median:F4}</td><td>{s.StandardDeviation:F4}</td><td>{s.Count}</td></tr>\n");
        sb.Append("</table>\n");
        Distributions(sb, results, options);
        UtteranceTable(sb, results, options);

        var budget = new MediaBudget(options.MaxEmbeddedAudioBytes, options.MaxEmbeddedImageBytes);
        if (results.Utterances.Count <= options.ShowAllUpTo)
        {
            sb.Append("<h2>Utterances</h2>\n");
            foreach (var u in results.Utterances) Utterance(sb, u, options, budget);
        }
        else
        {
            string? rank = options.RankingMetric ?? (results.Metrics.Contains("si_snr") ? "si_snr" : results.Metrics.FirstOrDefault());
            if (rank is not null && options.ExtremeCount > 0)
            {
                var ranked = results.Utterances.Where(u => u.Values.TryGetValue(rank, out var v) && double.IsFinite(v)).OrderBy(u => u.Values[rank]).ToList();
                int k = Math.Min(options.ExtremeCount, ranked.Count);
                var worst = ranked.Take(k).ToList();
                var best = ranked.AsEnumerable().Reverse().Take(Math.Min(k, ranked.Count - k)).ToList();
                sb.Append(CultureInfo.InvariantCulture, $"<p>{results.Utterances.Count} utterances: the best and worst {k} by {E(rank)} are shown in detail.</p>\n");
                foreach (var (title, list) in new[] { ($"Best {best.Count} by {rank}", best), ($"Worst {worst.Count} by {rank}", worst) })
                {
                    if (list.Count == 0) continue;
                    sb.Append("<h2>").Append(E(title)).Append("</h2>\n");
                    foreach (var u in list) Utterance(sb, u, options, budget);
                }
            }
        }
        if (budget.OmittedAudio > 0)
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"note\" id=\"audio-budget\">{budget.OmittedAudio} audio player(s) left out: the embedded audio reached its budget of {Mib(options.MaxEmbeddedAudioBytes)} MiB (HtmlReportOptions.MaxEmbeddedAudioBytes).</p>\n");
        if (budget.OmittedImages > 0)
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"note\" id=\"image-budget\">{budget.OmittedImages} spectrogram(s) left out: the embedded spectrograms reached their budget of {Mib(options.MaxEmbeddedImageBytes)} MiB (HtmlReportOptions.MaxEmbeddedImageBytes).</p>\n");
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.##", CultureInfo.InvariantCulture);

    private static void Distributions(StringBuilder sb, EvaluationResults results, HtmlReportOptions options)
    {
        sb.Append("<h2>Distributions</h2>\n");
        if (MetricPlots.FontFamily is null)
            sb.Append("<p class=\"note\">No font was found for the plot labels (install one, e.g. Debian's fonts-dejavu-core); the captions give the axes.</p>\n");
        foreach (var m in results.Metrics)
        {
            var v = results.Utterances.Select(u => u.Values.TryGetValue(m, out var x) ? x : double.NaN).Where(double.IsFinite).ToList();
            string axis = MetricPlots.AxisLabel(m);
            sb.Append("<figure class=\"plot\">");
            if (v.Count == 0) sb.Append("<p>").Append(E($"{m}: no finite value")).Append("</p>");
            else
            {
                var st = BoxStatistics.Of(v);
                bool points = v.Count <= options.PointPlotLimit;
                string caption = points
                    ? $"{axis}, one point per utterance (n = {st.Count}); box: quartiles {F(st.LowerQuartile)} to {F(st.UpperQuartile)}, median {F(st.Median)}; whiskers: the furthest values within 1.5 IQR ({F(st.LowerWhisker)} to {F(st.UpperWhisker)})."
                    : $"{axis}, histogram of {st.Count} utterances in {options.HistogramBins} bins from {F(st.Minimum)} to {F(st.Maximum)}; the line marks the median {F(st.Median)}.";
                try
                {
                    var png = MetricPlots.Distribution(m, v, options.PointPlotLimit, options.HistogramBins);
                    sb.Append(CultureInfo.InvariantCulture, $"<img alt=\"distribution of {E(axis)}, n = {st.Count}\" width=\"{MetricPlots.Width}\" height=\"{MetricPlots.Height}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">");
                }
                catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
                {
                    // SkiaSharp's native library could not be loaded: the older inline-SVG histogram instead.
                    sb.Append(Histogram(m, v, options.HistogramBins));
                    caption += $" (plot library unavailable: {ex.Message})";
                }
                sb.Append("<figcaption>").Append(E(caption)).Append("</figcaption>");
            }
            sb.Append("</figure>\n");
        }
    }

    private static void UtteranceTable(StringBuilder sb, EvaluationResults results, HtmlReportOptions options)
    {
        if (options.MaxTableRows <= 0) return;
        sb.Append("<h2>Per utterance</h2>\n<table id=\"utterances\"><tr><th>id</th>");
        foreach (var m in results.Metrics) sb.Append("<th>").Append(E(MetricPlots.AxisLabel(m))).Append("</th>");
        sb.Append("<th>estimate per reference</th><th>error</th></tr>\n");
        foreach (var u in results.Utterances.Take(options.MaxTableRows))
        {
            sb.Append("<tr><td class=\"l\">").Append(E(u.Id)).Append("</td>");
            foreach (var m in results.Metrics) sb.Append("<td>").Append(u.Values.TryGetValue(m, out var v) ? F(v) : "").Append("</td>");
            sb.Append("<td class=\"l\">").Append(u.Permutation is { } p ? E(string.Join(", ", p.Select((i, j) => $"ref {j + 1} ← est {i + 1}"))) : "").Append("</td>");
            sb.Append("<td class=\"l\">").Append(E(string.Join("; ", u.Errors.Select(e => $"{e.Key}: {e.Value}")))).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
        if (results.Utterances.Count > options.MaxTableRows)
            sb.Append(CultureInfo.InvariantCulture, $"<p>First {options.MaxTableRows} of {results.Utterances.Count} utterances; every row is in results.csv / results.json.</p>\n");
    }

    private static void Utterance(StringBuilder sb, UtteranceResult u, HtmlReportOptions options, MediaBudget budget)
    {
        sb.Append("<div class=\"utt\"><h3>").Append(E(u.Id)).Append("</h3><p>")
          .Append(E(string.Join(", ", u.Values.OrderBy(kv => EvaluationResults.MetricOrder(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} = {F(kv.Value)}{(MetricPlots.Unit(kv.Key) is { Length: > 0 } unit ? " " + unit : "")}")))).Append("</p>\n");
        if (u.Errors.Count > 0)
            sb.Append("<p class=\"note\">").Append(E(string.Join("; ", u.Errors.Select(e => $"{e.Key}: {e.Value}")))).Append("</p>\n");
        if (u.Item.MixturePath is { } mp) Signal(sb, "mixture", mp, "mixture", options, budget);
        var refs = u.Item.ReferencePaths;
        var ests = u.EstimatePaths;
        if (u.Permutation is { } perm && ests is not null && perm.Count == refs.Count)
        {
            sb.Append("<table class=\"pairs\"><tr><th>reference</th><th>estimate matched by SI-SNR</th><th>metrics of the pair</th></tr>\n");
            for (int j = 0; j < refs.Count; j++)
            {
                int i = perm[j];
                sb.Append("<tr><td>");
                Signal(sb, $"reference {j + 1}", refs[j], $"reference\" data-reference=\"{j + 1}", options, budget);
                sb.Append("</td><td>");
                Signal(sb, $"estimate {i + 1}", ests[i], $"estimate\" data-reference=\"{j + 1}\" data-estimate=\"{i + 1}", options, budget);
                sb.Append("</td><td><table class=\"m\">");
                var src = u.Sources.FirstOrDefault(x => x.Reference == j);
                if (src is not null)
                    foreach (var kv in src.Values.OrderBy(kv => EvaluationResults.MetricOrder(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal))
                        sb.Append("<tr><td class=\"l\">").Append(E(kv.Key)).Append("</td><td>").Append(F(kv.Value)).Append("</td><td class=\"l\">").Append(MetricPlots.Unit(kv.Key)).Append("</td></tr>");
                sb.Append("</table></td></tr>\n");
            }
            sb.Append("</table>\n");
        }
        else
        {
            for (int j = 0; j < refs.Count; j++) Signal(sb, $"reference {j + 1}", refs[j], $"reference\" data-reference=\"{j + 1}", options, budget);
            if (ests is not null) for (int i = 0; i < ests.Count; i++) Signal(sb, $"estimate {i + 1}", ests[i], $"estimate\" data-estimate=\"{i + 1}", options, budget);
        }
        sb.Append("</div>\n");
    }

    // role is inserted raw into data-role="…" (callers pass fixed text and numbers only).
    private static void Signal(StringBuilder sb, string label, string path, string role, HtmlReportOptions options, MediaBudget budget)
    {
        sb.Append("<div class=\"sig\" data-role=\"").Append(role).Append("\"><b>").Append(E(label)).Append("</b>");
        string shortName = Path.Combine(Path.GetFileName(Path.GetDirectoryName(path) ?? ""), Path.GetFileName(path));
        sb.Append("<div class=\"file\">").Append(E(shortName)).Append("</div>");
        try
        {
            var b = Audio.AudioFile.Read(path);
            if (b.Channels > 1) b = b.ToMono();
            int max = (int)Math.Min(b.Frames, options.MaxAudioSeconds * b.SampleRate);
            if (max < b.Frames) b = b.Slice(0, max);
            var png = Spectrogram(b.Channel(0), out int w, out int h);
            if (png.Length <= budget.ImagesLeft)
            {
                budget.ImagesLeft -= png.Length;
                // Short excerpts are drawn wider than their frame count (pixelated), so that a 1–3 s utterance stays readable.
                sb.Append(CultureInfo.InvariantCulture, $"<img alt=\"spectrogram of {E(label)}\" width=\"{Math.Max(w, MinSpectrogramWidth)}\" height=\"{h}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">");
            }
            else
            {
                budget.OmittedImages++;
                sb.Append("<p class=\"note\">spectrogram left out (image budget spent)</p>");
            }
            long bytes = 44 + 2L * b.Frames;
            if (bytes <= budget.AudioLeft)
            {
                budget.AudioLeft -= bytes;
                using var ms = new MemoryStream();
                Wav.Write(ms, b, WavSampleFormat.Pcm16);
                sb.Append("<audio controls preload=\"none\" src=\"data:audio/wav;base64,").Append(Convert.ToBase64String(ms.ToArray())).Append("\"></audio>");
            }
            else
            {
                budget.OmittedAudio++;
                sb.Append("<p class=\"note\">player left out (audio budget spent)</p>");
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            sb.Append("<p class=\"note\">").Append(E($"cannot read {path}: {ex.Message}")).Append("</p>");
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

    private const int MinSpectrogramWidth = 300;

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
