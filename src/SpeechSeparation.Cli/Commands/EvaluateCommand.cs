using System.CommandLine;
using SpeechSeparation.Evaluation;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep evaluate</c>: scores pre-computed estimate files, or the estimates of a model run on the mixtures, over a
/// dataset (folders or CSV manifest), in parallel, writing per-utterance CSV/JSON, a summary, and optionally a
/// self-contained HTML report.
/// </summary>
public sealed class EvaluateCommand : CliCommand
{
    /// <inheritdoc />
    public override string Name => "evaluate";

    /// <inheritdoc />
    public override string Summary => "score estimate files against references (SI-SNR(i), SDR/SIR/SAR, STOI, ESTOI); CSV/JSON + HTML report";

    private readonly Option<string> _data = new("--data") { Description = "Dataset folder: mix/ + s1/ s2/ … (separation) or noisy/ + clean/ (enhancement)." };
    private readonly Option<string> _estimates = new("--estimates") { Description = "Estimates: DIR/s1/NAME.wav …, DIR/STEM_s1.wav …, or DIR/NAME.wav for one source." };
    private readonly Option<string> _model = CommonOptions.Model("Run a model on each mixture instead (package/ModelScope folder, 'default', or checkpoint with --arch/--config).");
    private readonly Option<string> _arch = CommonOptions.Arch();
    private readonly Option<string> _config = CommonOptions.Config();
    private readonly Option<string> _manifest = new("--manifest") { Description = "CSV with columns id, mixture, s1..sN (or clean), e1..eN (or estimate)." };
    private readonly Option<string> _out = new("--out", "-o") { Description = "Where results.csv, results_summary.csv and results.json go, and with --model the estimates (OUT/estimates/s1/ID.wav …); default: current folder." };
    private readonly Option<string> _report = new("--report") { Description = "Also write a self-contained HTML report." };
    private readonly Option<string> _metrics = new("--metrics") { Description = "Comma list of si_snr, si_snri, sdr (SDR/SIR/SAR/SDRi), snr, stoi, estoi, all.", DefaultValueFactory = _ => "si_snr,si_snri,sdr,stoi,estoi" };
    private readonly Option<int> _jobs = new("--jobs", "-j") { Description = "Utterances evaluated in parallel.", DefaultValueFactory = _ => Environment.ProcessorCount };
    private readonly Option<int> _mismatch = new("--max-length-mismatch") { Description = "Largest estimate/reference length difference accepted, in samples.", DefaultValueFactory = _ => new EvaluationOptions().MaxLengthMismatch };
    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "No progress lines." };
    private readonly Option<string> _format = EstimatesFormat();
    private readonly Option<string> _ffmpeg = CommonOptions.Ffmpeg();
    private readonly Option<bool> _json = CommonOptions.Json();

    /// <inheritdoc />
    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _data, _estimates, _model, _arch, _config, _manifest, _out, _report, _metrics, _jobs, _mismatch, _quiet, _format, _ffmpeg, _json }) command.Options.Add(o);
    }

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string? data = parse.GetValue(_data), estimates = parse.GetValue(_estimates), manifest = parse.GetValue(_manifest), outDir = parse.GetValue(_out),
            report = parse.GetValue(_report), model = parse.GetValue(_model), arch = parse.GetValue(_arch), config = parse.GetValue(_config);
        int jobs = parse.GetValue(_jobs), mismatch = parse.GetValue(_mismatch);
        bool quiet = parse.GetValue(_quiet), json = parse.GetValue(_json);
        EvaluationMetrics metrics;
        try { metrics = ParseMetrics(parse.GetValue(_metrics)!); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if ((data is null) == (manifest is null)) throw new UsageException("give either --data (with --estimates or --model) or --manifest.");
        if (data is not null && (estimates is null) == (model is null)) throw new UsageException("--data needs either --estimates or --model.");
        if (manifest is not null && model is not null) throw new UsageException("--model works with --data folders, not with a manifest of estimates.");
        if (jobs < 1) throw new UsageException("--jobs must be at least 1.");

        var dataset = data is not null ? EvaluationDataset.FromFolders(data, estimates) : EvaluationDataset.FromManifest(manifest!);
        int total = dataset.Items.Count;
        var progress = quiet ? null : new Progress<EvaluationProgress>(p =>
        {
            if (p.Completed == p.Total || p.Completed % Math.Max(1, p.Total / 20) == 0) stderr.WriteLine($"evaluated {p.Completed}/{p.Total} ({p.LastId})");
        });
        EvaluationResults results;
        string resultsDir = outDir ?? Directory.GetCurrentDirectory();
        string? estimatesDir = model is null ? null : Path.Combine(resultsDir, "estimates");
        var fileFormat = Audio.AudioWriter.ParseFormat(parse.GetValue(_format)!);
        if (model is null && fileFormat != Audio.AudioFileFormat.Wav) throw new UsageException("--format applies to the estimates a --model run writes.");
        var evaluator = new DatasetEvaluator(new EvaluationOptions
        {
            Metrics = metrics, MaxDegreeOfParallelism = jobs, MaxLengthMismatch = mismatch, Progress = progress,
            EstimatesOutputDirectory = estimatesDir, EstimatesFileFormat = fileFormat, FfmpegPath = parse.GetValue(_ffmpeg),
        });
        if (model is null) results = evaluator.EvaluateFilesAsync(dataset, ct).GetAwaiter().GetResult();
        else
        {
            // A one-output network (an enhancer) gives its single stem the same way.
            using var separator = Separator.Load(model, new SeparatorOptions { Architecture = arch, ConfigJson = config });
            results = evaluator.EvaluateModelAsync(dataset, separator.AsEstimator(), ct).GetAwaiter().GetResult();
        }

        var written = results.Save(resultsDir).ToList();
        if (estimatesDir is not null && results.Utterances.Any(u => u.EstimatePaths is not null))
            written.Add(estimatesDir + Path.DirectorySeparatorChar);
        if (report is not null)
        {
            HtmlReport.Write(report, results, new HtmlReportOptions { Title = $"Evaluation of {data ?? manifest}" });
            written.Add(report);
        }
        if (json)
            stdout.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                written, utterances = results.Utterances.Count,
                summary = results.Summary.Select(x => new { metric = x.Metric, mean = x.Mean, median = x.Median, std = x.StandardDeviation, count = x.Count }),
            }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        else
        {
            foreach (var p in written) stdout.WriteLine($"wrote {p}");
            stdout.WriteLine($"{"metric",-8} {"mean",10} {"median",10} {"std",10} {"count",6}");
            foreach (var x in results.Summary) stdout.WriteLine($"{x.Metric,-8} {x.Mean,10:F4} {x.Median,10:F4} {x.StandardDeviation,10:F4} {x.Count,6}");
        }
        int failed = results.Utterances.Count(u => u.Errors.ContainsKey("utterance"));
        if (failed > 0) stderr.WriteLine($"evaluate: {failed} of {total} utterance(s) could not be evaluated (see the error column).");
        return failed == total ? 1 : 0;
    }

    private static Option<string> EstimatesFormat()
    {
        var o = new Option<string>("--format") { Description = "File format of the estimates a --model run writes: wav (32-bit float, default), flac (24-bit) or mp3 (ffmpeg).", DefaultValueFactory = _ => "wav" };
        o.AcceptOnlyFromAmong("wav", "flac", "mp3");
        return o;
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
