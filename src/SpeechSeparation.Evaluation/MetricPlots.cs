using ScottPlot;

namespace SpeechSeparation.Evaluation;

/// <summary>Box statistics of a sample (Tukey's box plot: quartiles by linear interpolation as numpy's default,
/// whiskers at the most extreme values within 1.5 interquartile ranges of the box).</summary>
/// <param name="Count">Number of values.</param>
/// <param name="Minimum">Smallest value.</param>
/// <param name="LowerQuartile">25th percentile.</param>
/// <param name="Median">Median.</param>
/// <param name="UpperQuartile">75th percentile.</param>
/// <param name="Maximum">Largest value.</param>
/// <param name="LowerWhisker">Smallest value ≥ Q1 − 1.5·IQR.</param>
/// <param name="UpperWhisker">Largest value ≤ Q3 + 1.5·IQR.</param>
internal readonly record struct BoxStatistics(int Count, double Minimum, double LowerQuartile, double Median, double UpperQuartile,
    double Maximum, double LowerWhisker, double UpperWhisker)
{
    public static BoxStatistics Of(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        if (v.Length == 0) throw new ArgumentException("No finite value.", nameof(values));
        double q1 = Quantile(v, 0.25), q3 = Quantile(v, 0.75), iqr = q3 - q1;
        double lo = v.First(x => x >= q1 - 1.5 * iqr), hi = v.Last(x => x <= q3 + 1.5 * iqr);
        return new BoxStatistics(v.Length, v[0], q1, Quantile(v, 0.5), q3, v[^1], lo, hi);
    }

    /// <summary>numpy's default (linear) quantile of sorted values.</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        if (i >= sorted.Length - 1) return sorted[^1];
        return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
    }
}

/// <summary>The report's distribution plots, drawn with ScottPlot (SkiaSharp) as PNG images.</summary>
internal static class MetricPlots
{
    public const int Width = 380, Height = 280;

    private static readonly string[] Decibel = ["si_snr", "si_snri", "sdr", "sdri", "sir", "sar", "snr", "snri"];

    /// <summary>A sans-serif font family found by SkiaSharp (DejaVu Sans on Debian), or null when no font is installed —
    /// then ScottPlot draws no text, and the report says so.</summary>
    public static string? FontFamily { get; } = PickFont();

    private static string? PickFont()
    {
        var families = SkiaSharp.SKFontManager.Default.FontFamilies.ToList();
        return new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "FreeSans" }.FirstOrDefault(families.Contains)
               ?? families.FirstOrDefault();
    }

    /// <summary>The unit of a metric: dB for the SNR/SDR family, none for STOI/ESTOI and extra metrics.</summary>
    public static string Unit(string metric) => Decibel.Contains(metric) ? "dB" : "";

    /// <summary><c>metric (unit)</c>.</summary>
    public static string AxisLabel(string metric) => Unit(metric) is { Length: > 0 } u ? $"{metric} ({u})" : metric;

    /// <summary>
    /// The distribution of one metric over utterances: for at most <paramref name="pointLimit"/> values every value as a
    /// point (spread sideways, deterministically) over a Tukey box; beyond, a histogram of <paramref name="bins"/> bins with
    /// the median marked. The value axis is labelled with the metric and its unit.
    /// </summary>
    public static byte[] Distribution(string metric, IReadOnlyList<double> finiteValues, int pointLimit, int bins)
    {
        var stats = BoxStatistics.Of(finiteValues);
        var plt = new Plot();
        if (FontFamily is { } font) plt.Font.Set(font);
        string unit = Unit(metric);
        string Num(double v) => v.ToString(Math.Abs(v) >= 100 ? "F0" : Math.Abs(v) >= 10 ? "F1" : "F2", System.Globalization.CultureInfo.InvariantCulture);
        plt.Title($"{metric}: n = {stats.Count}, median {Num(stats.Median)}{(unit.Length > 0 ? " " + unit : "")}", 13);
        if (finiteValues.Count <= pointLimit)
        {
            var box = new Box
            {
                Position = 0, BoxMin = stats.LowerQuartile, BoxMax = stats.UpperQuartile, BoxMiddle = stats.Median,
                WhiskerMin = stats.LowerWhisker, WhiskerMax = stats.UpperWhisker, Width = 0.6,
            };
            plt.Add.Box(box);
            // Styled after adding: the adder paints the box in the palette's colour.
            box.FillStyle.Color = Colors.SteelBlue.WithAlpha(0.25);
            box.LineStyle.Color = Colors.SteelBlue;
            box.LineStyle.Width = 1.5f;
            var xs = new double[finiteValues.Count];
            for (int i = 0; i < xs.Length; i++) xs[i] = xs.Length == 1 ? 0 : 0.4 * ((i * 0.6180339887498949) % 1.0 - 0.5);
            var points = plt.Add.ScatterPoints(xs, finiteValues.ToArray());
            points.Color = Colors.Black.WithAlpha(0.75);
            points.MarkerSize = 6;
            plt.YLabel(AxisLabel(metric), 13);
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([0.0], [$"{stats.Count} utterance{(stats.Count == 1 ? "" : "s")}"]);
            plt.Axes.SetLimitsX(-0.6, 0.6);
            double pad = Math.Max(0.05 * (stats.Maximum - stats.Minimum), 0.05 * Math.Max(1, Math.Abs(stats.Median)));
            plt.Axes.SetLimitsY(stats.Minimum - pad, stats.Maximum + pad);
        }
        else
        {
            double lo = stats.Minimum, hi = stats.Maximum;
            if (hi <= lo) { lo -= 0.5; hi += 0.5; }
            var hist = ScottPlot.Statistics.Histogram.WithBinCount(Math.Max(1, bins), lo, hi);
            hist.AddRange(finiteValues);
            var bars = plt.Add.Histogram(hist);
            foreach (var b in bars.Bars) { b.FillColor = Colors.SteelBlue; b.LineWidth = 0; }
            var median = plt.Add.VerticalLine(stats.Median);
            median.Color = Colors.DarkOrange;
            median.LineWidth = 2;
            median.Text = "median";
            plt.XLabel(AxisLabel(metric), 13);
            plt.YLabel("utterances", 13);
            plt.Axes.Margins(bottom: 0);
        }
        return plt.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
