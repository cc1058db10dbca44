using System.Text.Json;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation.Tests;

public sealed class DatasetEvaluatorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "speechsep-eval-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static void WriteWav(string path, ReadOnlySpan<float> x, int rate)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Wav.Write(path, AudioBuffer.FromMono(x, rate), WavSampleFormat.Float32);
    }

    /// <summary>noisy/ + clean/ + estimates/ from the speech_pairs_8k bank (float32 WAV keeps the samples exact).</summary>
    private (MetricFixture F, int K) EnhancementFolders(string dataDir, string estDir)
    {
        var f = new MetricFixture("speech_pairs_8k");
        var clean = f.Npy("clean");
        int k = (int)clean.Shape[0], n = (int)clean.Shape[1];
        var x = clean.ToFloatArray(); var y = f.Floats("estimate"); var m = f.Floats("mixture");
        for (int c = 0; c < k; c++)
        {
            string name = $"utt{c:D2}.wav";
            WriteWav(Path.Combine(dataDir, "clean", name), x.AsSpan(c * n, n), 8000);
            WriteWav(Path.Combine(dataDir, "noisy", name), m.AsSpan(c * n, n), 8000);
            WriteWav(Path.Combine(estDir, name), y.AsSpan(c * n, n), 8000);
        }
        return (f, k);
    }

    [Fact]
    public async Task EnhancementFoldersReproduceTheFixtureValues()
    {
        string data = Path.Combine(_root, "data"), est = Path.Combine(_root, "est");
        var (f, k) = EnhancementFolders(data, est);
        var progress = new List<EvaluationProgress>();
        var sink = new SynchronousProgress(progress);
        var evaluator = new DatasetEvaluator(new EvaluationOptions { Metrics = EvaluationMetrics.All, MaxDegreeOfParallelism = 2, Progress = sink });
        var results = await evaluator.EvaluateFilesAsync(EvaluationDataset.FromFolders(data, est));
        Assert.Equal(k, results.Utterances.Count);
        Assert.Equal(k, progress.Count);
        Assert.Equal(Enumerable.Range(1, k), progress.Select(p => p.Completed).Order());
        var keys = new Dictionary<string, string> { ["si_snr"] = "si_snr", ["si_snri"] = "si_snri", ["sdr"] = "sdr", ["sdri"] = "sdri", ["stoi"] = "stoi", ["estoi"] = "estoi" };
        foreach (var (metric, key) in keys)
        {
            var expected = f.Doubles("expected_" + key);
            for (int c = 0; c < k; c++)
                MetricFixture.Close(expected[c], results.Utterances[c].Values[metric], metric.Contains("stoi") ? 1e-6 : 1e-4, $"{metric} utt{c}");
            // Summary statistics of the expected values (population std).
            var s = results.Summary.Single(x => x.Metric == metric);
            double mean = expected.Average();
            var sorted = expected.Order().ToArray();
            Assert.Equal(mean, s.Mean, 3);
            Assert.Equal(0.5 * (sorted[k / 2 - 1] + sorted[k / 2]), s.Median, 3);
            Assert.Equal(Math.Sqrt(expected.Sum(v => (v - mean) * (v - mean)) / k), s.StandardDeviation, 3);
            Assert.Equal(k, s.Count);
        }
        Assert.True(double.IsPositiveInfinity(results.Utterances[0].Values["sir"]));
        Assert.Equal(0, results.Summary.Single(x => x.Metric == "sir").Count); // only +∞ values: no finite statistics

        var files = results.Save(Path.Combine(_root, "out"));
        var csv = File.ReadAllLines(files[0]);
        Assert.Equal(k + 1, csv.Length);
        Assert.StartsWith("id,si_snr,si_snri,sdr,sdri,sir,sar,snr,snri,stoi,estoi", csv[0]);
        using var doc = JsonDocument.Parse(File.ReadAllText(files[2]));
        Assert.Equal(k, doc.RootElement.GetProperty("utterances").GetArrayLength());
        Assert.Equal("Infinity", doc.RootElement.GetProperty("utterances")[0].GetProperty("sir").GetString());
        Assert.Equal(results.Summary[0].Mean, doc.RootElement.GetProperty("summary").GetProperty("si_snr").GetProperty("mean").GetDouble(), 12);
        Assert.Contains("metric,mean,median,std,count", File.ReadAllText(files[1]));
    }

    [Fact]
    public async Task SeparationManifestMatchesThePitAndBssEvalFixtures()
    {
        var f = new MetricFixture("separation_2src_8k");
        var s = f.Npy("sources");
        int c = (int)s.Shape[0], n = (int)s.Shape[1];
        var src = s.ToFloatArray(); var est = f.Floats("estimates"); var mix = f.Floats("mixture");
        var lines = new List<string> { "id,mixture,s1,s2,e1,e2" };
        foreach (var id in new[] { "a", "b" })
        {
            WriteWav(Path.Combine(_root, id, "mix.wav"), mix, 8000);
            for (int j = 0; j < c; j++)
            {
                WriteWav(Path.Combine(_root, id, $"s{j + 1}.wav"), src.AsSpan(j * n, n), 8000);
                WriteWav(Path.Combine(_root, id, $"e{j + 1}.wav"), est.AsSpan(j * n, n), 8000);
            }
            lines.Add($"{id},{id}/mix.wav,{id}/s1.wav,{id}/s2.wav,\"{id}/e1.wav\",{id}/e2.wav");
        }
        string manifest = Path.Combine(_root, "manifest.csv");
        File.WriteAllLines(manifest, lines);
        var results = await new DatasetEvaluator(new EvaluationOptions { Metrics = EvaluationMetrics.SiSnr | EvaluationMetrics.SiSnrImprovement | EvaluationMetrics.BssEval })
            .EvaluateFilesAsync(EvaluationDataset.FromManifest(manifest));
        foreach (var u in results.Utterances)
        {
            Assert.Empty(u.Errors);
            MetricFixture.Close(f.Expected("sb_pit_si_snr"), u.Values["si_snr"], 1e-6, "si_snr");
            MetricFixture.Close(f.Expected("sb_si_snri"), u.Values["si_snri"], 1e-6, "si_snri");
            MetricFixture.Close(f.ExpectedArray("bss_sdr").Average(), u.Values["sdr"], 1e-4, "sdr");
            MetricFixture.Close(f.Expected("sb_sdri"), u.Values["sdri"], 1e-4, "sdri");
        }
        Assert.Equal(2, results.Summary.Single(x => x.Metric == "sdr").Count);
        Assert.Equal(0, results.Summary.Single(x => x.Metric == "sdr").StandardDeviation, 9);
    }

    [Fact]
    public async Task ModelDrivenEvaluationExtraMetricsAndFailuresAreRecorded()
    {
        string data = Path.Combine(_root, "data");
        var (f, k) = EnhancementFolders(data, Path.Combine(_root, "unused"));
        // A silent reference makes one utterance fail without stopping the run.
        WriteWav(Path.Combine(data, "clean", "utt03.wav"), new float[16000], 8000);
        var estimates = f.Floats("estimate");
        int n = estimates.Length / k;
        var dataset = EvaluationDataset.FromFolders(data);
        Assert.All(dataset.Items, i => Assert.Null(i.EstimatePaths));
        var byId = dataset.Items.Select((it, i) => (it.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var calls = 0;
        var estimator = new DelegateSourceEstimator((mixture, ct) =>
        {
            Interlocked.Increment(ref calls);
            // Return the fixture estimate whose mixture this is (mixtures are distinct).
            var m = f.Floats("mixture");
            for (int c = 0; c < k; c++)
                if (m.AsSpan(c * n, n).SequenceEqual(mixture.Channel(0))) return [AudioBuffer.FromMono(estimates.AsSpan(c * n, n), 8000)];
            throw new InvalidOperationException("unknown mixture");
        });
        var extra = new EnergyRatioMetric();
        var outDir = Path.Combine(_root, "model-est");
        var results = await new DatasetEvaluator(new EvaluationOptions
        {
            Metrics = EvaluationMetrics.SiSnr, ExtraMetrics = [extra, new RateLimitedMetric()], EstimatesOutputDirectory = outDir,
        }).EvaluateModelAsync(dataset, estimator);
        Assert.Equal(k, calls);
        var expected = f.Doubles("expected_si_snr");
        foreach (var u in results.Utterances)
        {
            int c = int.Parse(u.Id[3..]);
            if (c == 3)
            {
                Assert.Contains("all zeros", u.Errors["utterance"]);
                Assert.Empty(u.Values);
                continue;
            }
            MetricFixture.Close(expected[c], u.Values["si_snr"], 1e-6, u.Id);
            Assert.Equal(extra.Expected(f.Floats("clean").AsSpan(c * n, n), estimates.AsSpan(c * n, n)), u.Values["energy_ratio"], 9);
            Assert.Contains("does not support 8000 Hz", u.Errors["wideband_only"]);
            Assert.True(File.Exists(u.EstimatePaths![0]));
        }
        Assert.Equal(k - 1, results.Summary.Single(s => s.Metric == "si_snr").Count);
    }

    [Fact]
    public async Task CancellationStopsTheRun()
    {
        string data = Path.Combine(_root, "data"), est = Path.Combine(_root, "est");
        EnhancementFolders(data, est);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new DatasetEvaluator().EvaluateFilesAsync(EvaluationDataset.FromFolders(data, est), cts.Token));
    }

    [Fact]
    public void BadLayoutsAreReportedClearly()
    {
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        var ex = Assert.Throws<InvalidDataException>(() => EvaluationDataset.FromFolders(Path.Combine(_root, "empty")));
        Assert.Contains("s1/", ex.Message);
        string data = Path.Combine(_root, "data"), est = Path.Combine(_root, "est");
        EnhancementFolders(data, est);
        File.Delete(Path.Combine(est, "utt04.wav"));
        var ex2 = Assert.Throws<InvalidDataException>(() => EvaluationDataset.FromFolders(data, est));
        Assert.Contains("utt04", ex2.Message);
        File.WriteAllText(Path.Combine(_root, "m.csv"), "id,mixture,clean\nx,a.wav,b.wav\n");
        var ex3 = Assert.Throws<InvalidDataException>(() => EvaluationDataset.FromManifest(Path.Combine(_root, "m.csv")));
        Assert.Contains("estimate column", ex3.Message);
    }

    [Fact]
    public async Task HtmlReportIsSelfContained()
    {
        string data = Path.Combine(_root, "data"), est = Path.Combine(_root, "est");
        EnhancementFolders(data, est);
        var results = await new DatasetEvaluator(new EvaluationOptions { Metrics = EvaluationMetrics.SiSnr | EvaluationMetrics.Stoi })
            .EvaluateFilesAsync(EvaluationDataset.FromFolders(data, est));
        string path = Path.Combine(_root, "report.html");
        HtmlReport.Write(path, results, new HtmlReportOptions { ExtremeCount = 2, ShowAllUpTo = 0 });
        string html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<table id=\"summary\">", html);
        Assert.Equal(0, CountOf(html, "<svg "));                            // plots are PNG images now
        Assert.Equal(2, CountOf(html, "<img alt=\"distribution of "));
        // 2 best + 2 worst utterances × (mixture, reference, estimate), plus one plot per metric.
        Assert.Equal(12, CountOf(html, "<img alt=\"spectrogram of "));
        Assert.Equal(14, CountOf(html, "src=\"data:image/png;base64,"));
        Assert.Equal(12, CountOf(html, "<audio controls"));
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        // The worst utterance by SI-SNR is listed.
        var worst = results.Utterances.MinBy(u => u.Values["si_snr"])!.Id;
        Assert.Contains($"<h3>{worst}</h3>", html);
        // Every embedded PNG decodes: signature, IHDR size, and zlib data of the right size.
        var start = html.IndexOf("data:image/png;base64,", html.IndexOf("<img alt=\"spectrogram of ", StringComparison.Ordinal), StringComparison.Ordinal) + "data:image/png;base64,".Length;
        var png = Convert.FromBase64String(html[start..html.IndexOf('"', start)]);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        int w = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), h = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        int idatLen = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        using var z = new System.IO.Compression.ZLibStream(new MemoryStream(png, 41, idatLen), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        Assert.Equal((3 * w + 1) * h, raw.Length);
        Assert.Equal(257, h);
    }

    private static int CountOf(string s, string what)
    {
        int n = 0;
        for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    private sealed class SynchronousProgress(List<EvaluationProgress> sink) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) { lock (sink) sink.Add(value); }
    }

    /// <summary>A toy plug-in metric: 10·log10 of the energy ratio.</summary>
    private sealed class EnergyRatioMetric : IFullReferenceMetric
    {
        public string Name => "energy_ratio";
        public IReadOnlyCollection<int>? SupportedSampleRates => null;
        public double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, int sampleRate) => Expected(reference, estimate);
        public double Expected(ReadOnlySpan<float> r, ReadOnlySpan<float> e)
        {
            double a = 0, b = 0;
            for (int i = 0; i < r.Length; i++) { a += r[i] * (double)r[i]; b += e[i] * (double)e[i]; }
            return 10 * Math.Log10(b / a);
        }
    }

    private sealed class RateLimitedMetric : IFullReferenceMetric
    {
        public string Name => "wideband_only";
        public IReadOnlyCollection<int>? SupportedSampleRates => [16000];
        public double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, int sampleRate) => throw new InvalidOperationException("must not be called");
    }
}
