using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep evaluate</c>: scores pre-computed estimate files, or the estimates of a model run on the mixtures, over a
/// dataset (folders or CSV manifest), in parallel, writing per-utterance CSV/JSON, a summary, and optionally a
/// self-contained HTML report.
/// </summary>
public sealed class EvaluateCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "evaluate";

    /// <inheritdoc />
    public string Summary => "score estimate files against references (SI-SNR(i), SDR/SIR/SAR, STOI, ESTOI); CSV/JSON + HTML report";

    private const string Usage =
        "usage: speechsep evaluate (--data DIR (--estimates DIR | --model M) | --manifest FILE.csv) [--out DIR] [--metrics LIST]\n" +
        "                          [--jobs N] [--max-length-mismatch SAMPLES] [--report report.html] [--quiet]\n" +
        "  --data DIR        dataset folder: mix/ + s1/ s2/ … (separation) or noisy/ + clean/ (enhancement)\n" +
        "  --estimates DIR   estimates: DIR/s1/NAME.wav …, DIR/STEM_s1.wav …, or DIR/NAME.wav for one source\n" +
        "  --model M         run a model on each mixture instead (package/ModelScope folder, 'default', or checkpoint with --arch/--config)\n" +
        "  --manifest FILE   CSV with columns id, mixture, s1..sN (or clean), e1..eN (or estimate)\n" +
        "  --out DIR         where results.csv, results_summary.csv and results.json go (default: current folder)\n" +
        "  --metrics LIST    comma list of si_snr, si_snri, sdr (SDR/SIR/SAR/SDRi), snr, stoi, estoi, all (default: si_snr,si_snri,sdr,stoi,estoi)\n" +
        "  --jobs N          utterances evaluated in parallel (default: processor count)\n" +
        "  --report FILE     also write a self-contained HTML report";

    /// <inheritdoc />
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? data = null, estimates = null, manifest = null, outDir = null, report = null, model = null, arch = null, config = null;
        var metrics = EvaluationMetrics.Default;
        int jobs = Environment.ProcessorCount, mismatch = new EvaluationOptions().MaxLengthMismatch;
        bool quiet = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--data": data = Next(); break;
                case "--estimates": estimates = Next(); break;
                case "--manifest": manifest = Next(); break;
                case "--model": model = Next(); break;
                case "--arch": arch = Next(); break;
                case "--config": config = Next(); break;
                case "--out": outDir = Next(); break;
                case "--report": report = Next(); break;
                case "--metrics": metrics = ParseMetrics(Next()); break;
                case "--jobs": jobs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--max-length-mismatch": mismatch = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--quiet": quiet = true; break;
                case "-h" or "--help": stdout.WriteLine(Usage); return 0;
                default: stderr.WriteLine($"evaluate: unknown option '{args[i]}'."); stderr.WriteLine(Usage); return 2;
            }
        }
        if ((data is null) == (manifest is null)) { stderr.WriteLine("evaluate: give either --data (with --estimates) or --manifest."); stderr.WriteLine(Usage); return 2; }
        if (data is not null && (estimates is null) == (model is null)) { stderr.WriteLine("evaluate: --data needs either --estimates or --model."); return 2; }
        if (manifest is not null && model is not null) { stderr.WriteLine("evaluate: --model works with --data folders, not with a manifest of estimates."); return 2; }
        if (jobs < 1) { stderr.WriteLine("evaluate: --jobs must be at least 1."); return 2; }

        var dataset = data is not null ? EvaluationDataset.FromFolders(data, estimates) : EvaluationDataset.FromManifest(manifest!);
        int total = dataset.Items.Count;
        var progress = quiet ? null : new Progress<EvaluationProgress>(p =>
        {
            if (p.Completed == p.Total || p.Completed % Math.Max(1, p.Total / 20) == 0) stderr.WriteLine($"evaluated {p.Completed}/{p.Total} ({p.LastId})");
        });
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        EvaluationResults results;
        try
        {
            var evaluator = new DatasetEvaluator(new EvaluationOptions { Metrics = metrics, MaxDegreeOfParallelism = jobs, MaxLengthMismatch = mismatch, Progress = progress });
            if (model is null) results = evaluator.EvaluateFilesAsync(dataset, cts.Token).GetAwaiter().GetResult();
            else
            {
                // A one-output network (an enhancer) gives its single stem the same way.
                using var separator = Separator.Load(model, new SeparatorOptions { Architecture = arch, ConfigJson = config });
                results = evaluator.EvaluateModelAsync(dataset, separator.AsEstimator(), cts.Token).GetAwaiter().GetResult();
            }
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("evaluate: cancelled.");
            return 130;
        }
        finally { Console.CancelKeyPress -= onCancel; }

        foreach (var p in results.Save(outDir ?? Directory.GetCurrentDirectory())) stdout.WriteLine($"wrote {p}");
        if (report is not null)
        {
            HtmlReport.Write(report, results, new HtmlReportOptions { Title = $"Evaluation of {data ?? manifest}" });
            stdout.WriteLine($"wrote {report}");
        }
        stdout.WriteLine($"{"metric",-8} {"mean",10} {"median",10} {"std",10} {"count",6}");
        foreach (var s in results.Summary) stdout.WriteLine($"{s.Metric,-8} {s.Mean,10:F4} {s.Median,10:F4} {s.StandardDeviation,10:F4} {s.Count,6}");
        int failed = results.Utterances.Count(u => u.Errors.ContainsKey("utterance"));
        if (failed > 0) stderr.WriteLine($"evaluate: {failed} of {total} utterance(s) could not be evaluated (see the error column).");
        return failed == total ? 1 : 0;
    }

    internal static EvaluationMetrics ParseMetrics(string list)
    {
        var m = EvaluationMetrics.None;
        foreach (var raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            m |= raw.ToLowerInvariant() switch
            {
                "si_snr" or "sisnr" => EvaluationMetrics.SiSnr,
                "si_snri" or "sisnri" => EvaluationMetrics.SiSnrImprovement,
                "sdr" or "bss" or "bss_eval" or "sir" or "sar" or "sdri" => EvaluationMetrics.BssEval,
                "snr" or "snri" => EvaluationMetrics.Snr,
                "stoi" => EvaluationMetrics.Stoi,
                "estoi" => EvaluationMetrics.Estoi,
                "all" => EvaluationMetrics.All,
                "default" => EvaluationMetrics.Default,
                "pesq" or "pesq_nb" or "pesq_wb" => throw new ArgumentException("PESQ is not shipped (ITU-T P.862 licence); plug a licensed implementation in through IFullReferenceMetric (see docs/evaluation.md)."),
                _ => throw new ArgumentException($"Unknown metric '{raw}' (known: si_snr, si_snri, sdr, snr, stoi, estoi, all)."),
            };
        return m;
    }
}
