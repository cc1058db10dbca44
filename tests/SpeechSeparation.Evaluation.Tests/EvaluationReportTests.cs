using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using SkiaSharp;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation.Tests;

/// <summary>
/// Issue 18 §4: a model-driven run keeps its estimates (files, SI-SNR permutation, per-source metrics) and the report shows
/// them beside the references they were matched to, with distribution plots that have axes and units.
/// </summary>
public sealed class EvaluationReportTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("speechsep-report").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const int Rate = 8000, Length = 8000;

    /// <summary>Two sources per utterance: an amplitude-modulated harmonic tone each (different pitches), deterministic.</summary>
    private static (float[] A, float[] B) Sources(int u)
    {
        var rng = new Random(100 + u);
        float[] Tone(double f0, double am) => Enumerable.Range(0, Length).Select(i =>
        {
            double t = (double)i / Rate, env = 0.6 + 0.4 * Math.Sin(2 * Math.PI * am * t);
            return (float)(env * (0.2 * Math.Sin(2 * Math.PI * f0 * t) + 0.1 * Math.Sin(2 * Math.PI * 2 * f0 * t) + 0.01 * (rng.NextDouble() - 0.5)));
        }).ToArray();
        return (Tone(140 + 30 * u, 3), Tone(310 + 20 * u, 5));
    }

    private static float[] Mix(float[] x, float wx, float[] y, float wy) => x.Zip(y, (p, q) => wx * p + wy * q).ToArray();

    /// <summary>mix/ s1/ s2/ for three utterances; the estimator returns u0's and u2's sources swapped, u1's in order,
    /// each with a different leak of the other source.</summary>
    private (string Data, Dictionary<string, AudioBuffer[]> Estimates, ISourceEstimator Estimator) Dataset()
    {
        string data = Path.Combine(_root, "data");
        var byMixture = new List<(float[] Mix, AudioBuffer[] Est)>();
        var estimates = new Dictionary<string, AudioBuffer[]>();
        for (int u = 0; u < 3; u++)
        {
            var (a, b) = Sources(u);
            var mix = Mix(a, 1, b, 1);
            foreach (var (dir, x) in new[] { ("mix", mix), ("s1", a), ("s2", b) })
            {
                Directory.CreateDirectory(Path.Combine(data, dir));
                Wav.Write(Path.Combine(data, dir, $"u{u}.wav"), AudioBuffer.FromMono(x, Rate), WavSampleFormat.Float32);
            }
            float leak = 0.1f * (u + 1);
            var e1 = AudioBuffer.FromMono(Mix(a, 1, b, leak), Rate);
            var e2 = AudioBuffer.FromMono(Mix(b, 0.9f, a, leak / 2), Rate);
            var est = u == 1 ? new[] { e1, e2 } : new[] { e2, e1 };
            byMixture.Add((mix, est));
            estimates[$"u{u}"] = est;
        }
        var estimator = new DelegateSourceEstimator((m, _) => byMixture.Single(p => p.Mix.AsSpan().SequenceEqual(m.Channel(0))).Est);
        return (data, estimates, estimator);
    }

    private static double Snr(ReadOnlySpan<float> r, ReadOnlySpan<float> e)
    {
        double num = 0, den = 0;
        for (int i = 0; i < r.Length; i++) { num += (double)r[i] * r[i]; den += (r[i] - (double)e[i]) * (r[i] - (double)e[i]); }
        return 10 * Math.Log10(num / den);
    }

    private async Task<(EvaluationResults Results, string Data, Dictionary<string, AudioBuffer[]> Estimates, string EstDir)> RunModel()
    {
        var (data, estimates, estimator) = Dataset();
        string estDir = Path.Combine(_root, "out", "estimates");
        var results = await new DatasetEvaluator(new EvaluationOptions
        {
            Metrics = EvaluationMetrics.SiSnr | EvaluationMetrics.SiSnrImprovement | EvaluationMetrics.BssEval | EvaluationMetrics.Snr | EvaluationMetrics.Stoi,
            EstimatesOutputDirectory = estDir,
        }).EvaluateModelAsync(EvaluationDataset.FromFolders(data), estimator);
        return (results, data, estimates, estDir);
    }

    [Fact]
    public async Task ModelRunExposesThePermutationPerSourceMetricsAndTheEstimateFiles()
    {
        var (results, data, estimates, estDir) = await RunModel();
        foreach (var u in results.Utterances)
        {
            Assert.Empty(u.Errors);
            int[] expectedPerm = u.Id == "u1" ? [0, 1] : [1, 0];
            Assert.Equal(expectedPerm, u.Permutation);
            var mix = Wav.Read(Path.Combine(data, "mix", u.Id + ".wav")).Channel(0).ToArray();
            Assert.Equal(2, u.Sources.Count);
            for (int j = 0; j < 2; j++)
            {
                var src = u.Sources[j];
                Assert.Equal((j, expectedPerm[j]), (src.Reference, src.Estimate));
                var r = Wav.Read(Path.Combine(data, $"s{j + 1}", u.Id + ".wav")).Channel(0).ToArray();
                var e = estimates[u.Id][src.Estimate].Channel(0).ToArray();
                Assert.Equal(ScaleInvariantSnr.Compute(r, e), src.Values["si_snr"], 9);
                Assert.Equal(ScaleInvariantSnr.Compute(r, e) - ScaleInvariantSnr.Compute(r, mix), src.Values["si_snri"], 9);
                Assert.Equal(Snr(r, e), src.Values["snr"], 6);
                Assert.Equal(Snr(r, e) - Snr(r, mix), src.Values["snri"], 6);
                // BSS Eval SDR of a pair depends only on its own reference: the single-source evaluation is the check.
                Assert.Equal(BssEvalSources.Evaluate(r, e).Sdr, src.Values["sdr"], 6);
                Assert.Equal(ShortTimeObjectiveIntelligibility.Compute(r, e, Rate), src.Values["stoi"], 9);
                // The written estimate is the model's output, bit for bit, in the model's order.
                string path = Path.Combine(estDir, $"s{src.Estimate + 1}", u.Id + ".wav");
                Assert.Equal(path, u.EstimatePaths![src.Estimate]);
                Assert.Equal(e, Wav.Read(path).Channel(0).ToArray());
            }
            // Utterance values are the means over sources.
            foreach (var m in new[] { "si_snr", "si_snri", "snr", "snri", "stoi", "sdr" })
                Assert.Equal(u.Values[m], u.Sources.Average(s => s.Values[m]), 9);
        }

        results.Save(Path.Combine(_root, "out"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "out", "results.json")));
        var u0 = json.RootElement.GetProperty("utterances")[0];
        Assert.Equal("u0", u0.GetProperty("id").GetString());
        Assert.Equal([1, 0], u0.GetProperty("permutation").EnumerateArray().Select(x => x.GetInt32()));
        var s0 = u0.GetProperty("sources")[0];
        Assert.Equal(1, s0.GetProperty("estimate").GetInt32());
        Assert.Equal(results.Utterances[0].Sources[0].Values["si_snr"], s0.GetProperty("si_snr").GetDouble(), 12);
        Assert.EndsWith(Path.Combine("s1", "u0.wav"), u0.GetProperty("estimates")[0].GetString());
    }

    [Fact]
    public async Task EstimatesNeverReplaceTheDatasetsFiles()
    {
        var (data, _, estimator) = Dataset();
        var hashes = Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).ToDictionary(p => p, p => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))));
        // data/s1/u0.wav is where the first estimate of u0 would go.
        var results = await new DatasetEvaluator(new EvaluationOptions { Metrics = EvaluationMetrics.SiSnr, EstimatesOutputDirectory = data })
            .EvaluateModelAsync(EvaluationDataset.FromFolders(data), estimator);
        Assert.All(results.Utterances, u =>
        {
            Assert.Contains("would replace an input", u.Errors["utterance"]);
            Assert.Null(u.Permutation);
            Assert.Empty(u.Sources);
        });
        Assert.All(hashes, kv => Assert.Equal(kv.Value, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(kv.Key)))));
        Assert.Equal(hashes.Count, Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Count());
    }

    private static int CountOf(string s, string what) => Regex.Matches(s, Regex.Escape(what)).Count;

    private static IEnumerable<byte[]> Pngs(string html, string altPrefix) =>
        Regex.Matches(html, "<img alt=\"" + Regex.Escape(altPrefix) + "[^\"]*\"[^>]*src=\"data:image/png;base64,([^\"]+)\"").Select(m => Convert.FromBase64String(m.Groups[1].Value));

    [Fact]
    public async Task ReportShowsEachEstimateBesideTheReferenceItWasMatchedTo()
    {
        var (results, _, _, _) = await RunModel();
        string html = HtmlReport.Render(results);
        // Three utterances (≤ ShowAllUpTo): all in detail, each with mixture, 2 references, 2 estimates.
        Assert.Equal(15, Pngs(html, "spectrogram of ").Count());
        Assert.Equal(15, CountOf(html, "<audio controls"));
        Assert.Equal(6, CountOf(html, "data-role=\"estimate\""));
        // u0: estimate 2 is matched to reference 1 and estimate 1 to reference 2; u1 in order.
        int u0 = html.IndexOf("<h3>u0</h3>", StringComparison.Ordinal), u1 = html.IndexOf("<h3>u1</h3>", StringComparison.Ordinal);
        Assert.True(u0 > 0 && u1 > u0);
        string part0 = html[u0..u1];
        Assert.Contains("data-role=\"estimate\" data-reference=\"1\" data-estimate=\"2\"", part0);
        Assert.Contains("data-role=\"estimate\" data-reference=\"2\" data-estimate=\"1\"", part0);
        Assert.Contains("data-role=\"estimate\" data-reference=\"1\" data-estimate=\"1\"", html[u1..]);
        // The pair's own metrics sit in its row: reference 1's row holds its SI-SNR (3 decimals), and reference 1 comes
        // before estimate 2 within the row.
        var row = part0[part0.IndexOf("data-reference=\"1\"", StringComparison.Ordinal)..part0.IndexOf("data-reference=\"2\"", StringComparison.Ordinal)];
        string siSnr = results.Utterances[0].Sources[0].Values["si_snr"].ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"<td class=\"l\">si_snr</td><td>{siSnr}</td><td class=\"l\">dB</td>", row);
        Assert.Contains("s2/u0.wav", row);
        // Per-utterance table with the pairing.
        Assert.Contains("ref 1 ← est 2, ref 2 ← est 1", html);
        // One plot per metric, with the unit on its axis.
        Assert.Equal(results.Metrics.Count, Pngs(html, "distribution of ").Count());
        Assert.Contains("alt=\"distribution of si_snr (dB), n = 3\"", html);
        Assert.Contains("alt=\"distribution of stoi, n = 3\"", html);
        Assert.Contains("si_snr (dB), one point per utterance (n = 3)", html);
        foreach (var png in Pngs(html, ""))
        {
            using var bmp = SKBitmap.Decode(png);
            Assert.NotNull(bmp);
        }
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
    }

    [Fact]
    public async Task ReportSizeIsBoundedForLargerSets()
    {
        var (results, _, _, _) = await RunModel();
        // A larger set (here: more than ShowAllUpTo = 1) shows the best and worst ExtremeCount = 1 utterances only.
        string extremes = HtmlReport.Render(results, new HtmlReportOptions { ShowAllUpTo = 1, ExtremeCount = 1 });
        Assert.Equal(2, CountOf(extremes, "<div class=\"utt\">"));
        Assert.Equal(10, CountOf(extremes, "<audio controls"));
        var best = results.Utterances.MaxBy(u => u.Values["si_snr"])!.Id;
        var worst = results.Utterances.MinBy(u => u.Values["si_snr"])!.Id;
        Assert.Contains($"<h3>{best}</h3>", extremes);
        Assert.Contains($"<h3>{worst}</h3>", extremes);

        // The audio budget: room for exactly three 16-bit players of 1 s at 8 kHz; the others get a note.
        long perPlayer = 44 + 2L * Length;
        string budgeted = HtmlReport.Render(results, new HtmlReportOptions { MaxEmbeddedAudioBytes = 3 * perPlayer });
        Assert.Equal(3, CountOf(budgeted, "<audio controls"));
        Assert.Equal(15, Pngs(budgeted, "spectrogram of ").Count());      // spectrograms are kept
        Assert.Contains("12 audio player(s) left out", budgeted);
        // Every player's WAV is what the budget counted.
        foreach (Match m in Regex.Matches(budgeted, "data:audio/wav;base64,([^\"]+)"))
            Assert.Equal(perPlayer, Convert.FromBase64String(m.Groups[1].Value).Length);

        // The spectrogram budget: room for the first two images only (their actual sizes), players unaffected.
        var sizes = Pngs(HtmlReport.Render(results), "spectrogram of ").Select(p => (long)p.Length).ToList();
        string fewImages = HtmlReport.Render(results, new HtmlReportOptions { MaxEmbeddedImageBytes = sizes[0] + sizes[1] });
        Assert.Equal(2, Pngs(fewImages, "spectrogram of ").Count());
        Assert.Equal(15, CountOf(fewImages, "<audio controls"));
        Assert.Contains("13 spectrogram(s) left out", fewImages);

        // The table is capped too.
        string table = HtmlReport.Render(results, new HtmlReportOptions { MaxTableRows = 2 });
        Assert.Contains("First 2 of 3 utterances", table);
        int start = table.IndexOf("<table id=\"utterances\">", StringComparison.Ordinal);
        Assert.Equal(1 + 2, CountOf(table[start..table.IndexOf("</table>", start, StringComparison.Ordinal)], "<tr>"));
    }

    [Fact]
    public void BoxStatisticsFollowNumpyAndTukey()
    {
        // numpy.percentile([1..7, 100], [25, 50, 75]) = 2.75, 4.5, 6.25; IQR 3.5 → fences −2.5 and 11.5.
        var s = BoxStatistics.Of([7, 100, 1, 2, 3, 4, 5, 6, double.NaN]);
        Assert.Equal((8, 1.0, 2.75, 4.5, 6.25, 100.0), (s.Count, s.Minimum, s.LowerQuartile, s.Median, s.UpperQuartile, s.Maximum));
        Assert.Equal((1.0, 7.0), (s.LowerWhisker, s.UpperWhisker));
        Assert.Equal(3.0, BoxStatistics.Of([3]).Median);
        Assert.Throws<ArgumentException>(() => BoxStatistics.Of([double.PositiveInfinity]));
    }

    [Fact]
    public void DistributionPlotsDrawTextAxesAndData()
    {
        Assert.True(MetricPlots.FontFamily is not null, "no font for the plot labels: install one (Debian: apt-get install fonts-dejavu-core; build.sh does)");
        Assert.Equal("si_snr (dB)", MetricPlots.AxisLabel("si_snr"));
        Assert.Equal("estoi", MetricPlots.AxisLabel("estoi"));
        var small = new[] { 3.0, 8.5, 9.1, 10.2, 11.0, 12.7, 20.0 };
        var large = Enumerable.Range(0, 500).Select(i => 10 + 5 * Math.Sin(i * 0.37)).ToArray();
        // One value, and many equal values (a histogram of zero width), render too.
        var single = new[] { 5.0 };
        var equal = Enumerable.Repeat(0.5, 300).ToArray();
        foreach (var values in new[] { small, large, single, equal })
        {
            using var bmp = SKBitmap.Decode(MetricPlots.Distribution("si_snr", values, pointLimit: 200, bins: 20));
            Assert.Equal((MetricPlots.Width, MetricPlots.Height), (bmp.Width, bmp.Height));
            // Text is drawn: the title band (top 8 %) and the value axis label (left 6 %) have dark pixels.
            Assert.True(DarkPixels(bmp, 0, 0, bmp.Width, bmp.Height * 8 / 100) > 20, "no title text");
            Assert.True(DarkPixels(bmp, 0, 0, bmp.Width * 6 / 100, bmp.Height) > 20, "no axis label text");
        }
    }

    private static int DarkPixels(SKBitmap b, int x0, int y0, int x1, int y1)
    {
        int n = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
            {
                var c = b.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 3 * 100) n++;
            }
        return n;
    }
}
