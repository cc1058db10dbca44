using System.Diagnostics;
using System.Text.RegularExpressions;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation.Tests;

/// <summary>
/// Opt-in (heavy: starts a browser): set <c>SPEECHSEP_BROWSER_TESTS=1</c> with Debian's <c>chromium</c> installed, or run
/// <c>dotnet test --filter Category=Browser</c> with that variable. Skipped with the reason otherwise.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public static string? Chromium => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    public BrowserFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SPEECHSEP_BROWSER_TESTS") != "1")
            Skip = "opt-in browser test: set SPEECHSEP_BROWSER_TESTS=1 (needs Debian's chromium)";
        else if (Chromium is null)
            Skip = "needs headless Chromium: apt-get install chromium";
    }
}

[Trait("Category", "Browser")]
public class HtmlReportBrowserTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("speechsep-browser").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    /// <summary>
    /// The report renders in headless Chromium with the network disabled: every image (plots and spectrograms) decodes
    /// (checked in the page by a probe script appended to a copy of the report), every audio element has a playable
    /// source, every estimate of a model-driven run is shown with a decoded spectrogram and a player beside its
    /// reference, and the browser logs no console errors or failed loads.
    /// </summary>
    [BrowserFact]
    public async Task ReportRendersInHeadlessChromiumWithImagesAndNoConsoleErrors()
    {
        // A model-driven run (the estimator adds less noise to later utterances) that writes its estimates.
        string data = Path.Combine(_root, "data");
        foreach (var d in new[] { "noisy", "clean" }) Directory.CreateDirectory(Path.Combine(data, d));
        var rng = new Random(5);
        var estimates = new List<(float[] Noisy, float[] Estimate)>();
        for (int u = 0; u < 5; u++)
        {
            var clean = Enumerable.Range(0, 16000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * (200 + 40 * u) * i / 16000.0))).ToArray();
            var noise = Enumerable.Range(0, 16000).Select(_ => (float)(0.05 * (rng.NextDouble() * 2 - 1))).ToArray();
            var noisy = clean.Zip(noise, (a, b) => a + b).ToArray();
            Wav.Write(Path.Combine(data, "clean", $"u{u}.wav"), AudioBuffer.FromMono(clean, 16000), WavSampleFormat.Float32);
            Wav.Write(Path.Combine(data, "noisy", $"u{u}.wav"), AudioBuffer.FromMono(noisy, 16000), WavSampleFormat.Float32);
            estimates.Add((noisy, clean.Zip(noise, (a, b) => a + b / (u + 1)).ToArray()));
        }
        var estimator = new DelegateSourceEstimator((m, _) => [AudioBuffer.FromMono(estimates.Single(e => e.Noisy.AsSpan().SequenceEqual(m.Channel(0))).Estimate, 16000)]);
        var results = await new DatasetEvaluator(new EvaluationOptions
        {
            Metrics = EvaluationMetrics.SiSnr | EvaluationMetrics.SiSnrImprovement | EvaluationMetrics.Stoi,
            EstimatesOutputDirectory = Path.Combine(_root, "out", "estimates"),
        }).EvaluateModelAsync(EvaluationDataset.FromFolders(data), estimator);
        string html = HtmlReport.Render(results);
        int images = Regex.Matches(html, "<img ").Count, audios = Regex.Matches(html, "<audio ").Count;
        int estimateDivs = Regex.Matches(html, "data-role=\"estimate\"").Count;
        Assert.Equal(5, estimateDivs);                                   // 5 utterances ≤ ShowAllUpTo: every estimate
        Assert.Equal(3 + 3 * 5, images);                                 // 3 plots + (mixture, reference, estimate) × 5
        Assert.Equal(3 * 5, audios);

        const string probe = """
            <script>
            window.addEventListener('load', () => {
              const imgs = [...document.images];
              const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
              const aud = [...document.querySelectorAll('audio')].filter(a => a.src.startsWith('data:audio/wav;base64,')).length;
              const est = [...document.querySelectorAll('div.sig[data-role="estimate"]')];
              const estOk = est.filter(d => { const i = d.querySelector('img'), a = d.querySelector('audio');
                return i && i.complete && i.naturalWidth > 0 && a && a.src.startsWith('data:audio/wav;base64,')
                  && d.closest('tr').querySelector('div.sig[data-role="reference"] img').naturalWidth > 0; }).length;
              document.body.setAttribute('data-probe', `images ${ok}/${imgs.length} audio ${aud} estimates ${estOk}/${est.length}`);
            });
            </script>
            """;
        string page = Path.Combine(_root, "report-probe.html");
        File.WriteAllText(page, html.Replace("</body>", probe + "</body>"));

        var psi = new ProcessStartInfo(BrowserFactAttribute.Chromium!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                     "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000", $"--user-data-dir={Path.Combine(_root, "profile")}",
                     "--dump-dom", new Uri(page).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "chromium did not finish within 120 s");
        string dom = await stdout, log = await stderr;

        Assert.Contains($"data-probe=\"images {images}/{images} audio {audios} estimates {estimateDivs}/{estimateDivs}\"", dom);
        Assert.Contains("<table id=\"summary\">", dom);
        var consoleErrors = log.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal)
            || l.Contains("ERR_", StringComparison.Ordinal) && l.Contains("report-probe", StringComparison.Ordinal)).ToList();
        Assert.True(consoleErrors.Count == 0, string.Join('\n', consoleErrors));
    }
}
