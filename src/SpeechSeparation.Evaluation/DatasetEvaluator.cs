using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// Evaluates a dataset in parallel — from pre-computed estimate files (<see cref="EvaluateFilesAsync"/>) or by running an
/// <see cref="ISourceEstimator"/> on every mixture (<see cref="EvaluateModelAsync"/>) — and returns per-utterance metrics
/// and per-metric summaries. A failing utterance (unreadable file, silent reference, rate mismatch…) is recorded with its
/// error and does not stop the run; cancellation does.
/// </summary>
/// <remarks>
/// Multi-channel files are down-mixed to mono. Estimates and references are cropped to the shorter length when they
/// differ by at most <see cref="EvaluationOptions.MaxLengthMismatch"/> samples. Sources are paired by permutation-invariant
/// SI-SNR; SNR, STOI, ESTOI and extra metrics use that pairing, BSS Eval chooses its own (mir_eval's, by SIR). Reported
/// values are means over sources.
/// </remarks>
public sealed class DatasetEvaluator(EvaluationOptions? options = null, ILogger<DatasetEvaluator>? logger = null)
{
    private readonly EvaluationOptions _options = options ?? new EvaluationOptions();
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Evaluates estimate files listed in the dataset (<see cref="EvaluationItem.EstimatePaths"/>).</summary>
    public Task<EvaluationResults> EvaluateFilesAsync(EvaluationDataset dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        foreach (var item in dataset.Items)
            if (item.EstimatePaths is null)
                throw new ArgumentException($"Utterance '{item.Id}' has no estimate files; use EvaluateModelAsync or give an estimates folder/columns.", nameof(dataset));
        return RunAsync(dataset, null, cancellationToken);
    }

    /// <summary>Runs <paramref name="estimator"/> on every mixture and evaluates its outputs.</summary>
    public Task<EvaluationResults> EvaluateModelAsync(EvaluationDataset dataset, ISourceEstimator estimator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(estimator);
        foreach (var item in dataset.Items)
            if (item.MixturePath is null)
                throw new ArgumentException($"Utterance '{item.Id}' has no mixture file; model-driven evaluation needs one.", nameof(dataset));
        return RunAsync(dataset, estimator, cancellationToken);
    }

    private async Task<EvaluationResults> RunAsync(EvaluationDataset dataset, ISourceEstimator? estimator, CancellationToken ct)
    {
        foreach (var m in _options.ExtraMetrics)
            if (string.IsNullOrWhiteSpace(m.Name) || m.Name.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch == '_')))
                throw new ArgumentException($"Extra metric name '{m.Name}' must be letters, digits and underscores.");
        if (estimator is not null && _options.EstimatesOutputDirectory is not null)
            Audio.AudioWriter.RequireEncoder(_options.EstimatesFileFormat, _options.FfmpegPath);
        var inputs = InputPaths(dataset.Items);
        var results = new UtteranceResult[dataset.Items.Count];
        int done = 0;
        var po = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxDegreeOfParallelism), CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, dataset.Items.Count), po, (i, token) =>
        {
            results[i] = EvaluateOne(dataset.Items[i], estimator, inputs, token);
            int d = Interlocked.Increment(ref done);
            _options.Progress?.Report(new EvaluationProgress(d, results.Length, dataset.Items[i].Id));
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);
        return new EvaluationResults(results);
    }

    private static HashSet<string> InputPaths(IEnumerable<EvaluationItem> items)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
            foreach (var p in item.ReferencePaths.Concat(item.EstimatePaths ?? []).Append(item.MixturePath))
                if (p is not null) set.Add(Path.GetFullPath(p));
        return set;
    }

    /// <summary>The file an estimate of a model-driven run is written to: <c>DIR/s{index + 1}/ID.EXT</c> (the layout
    /// <see cref="EvaluationDataset.FromFolders"/> reads back for WAV), or null without
    /// <see cref="EvaluationOptions.EstimatesOutputDirectory"/>.</summary>
    /// <param name="id">Utterance identifier.</param>
    /// <param name="index">Estimate index (0-based, the estimator's output order).</param>
    public string? EstimatePath(string id, int index) => _options.EstimatesOutputDirectory is { } dir
        ? Path.Combine(dir, $"s{index + 1}", id + Audio.AudioWriter.Extension(_options.EstimatesFileFormat))
        : null;

    /// <summary>Evaluates one utterance (files are read here; a model's estimates are written here when
    /// <see cref="EvaluationOptions.EstimatesOutputDirectory"/> is set).</summary>
    public UtteranceResult EvaluateOne(EvaluationItem item, ISourceEstimator? estimator, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(item);
        return EvaluateOne(item, estimator, InputPaths([item]), ct);
    }

    private UtteranceResult EvaluateOne(EvaluationItem item, ISourceEstimator? estimator, HashSet<string> inputs, CancellationToken ct)
    {
        var values = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var errors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        int rate = 0, samples = 0;
        IReadOnlyList<string>? estPaths = item.EstimatePaths;
        int[]? permutation = null;
        IReadOnlyList<SourceResult> sources = [];
        try
        {
            var refs = item.ReferencePaths.Select(ReadMono).ToList();
            rate = refs[0].SampleRate;
            AudioBuffer? mix = item.MixturePath is null ? null : ReadMono(item.MixturePath);
            List<AudioBuffer> ests;
            if (estimator is not null)
            {
                ct.ThrowIfCancellationRequested();
                ests = estimator.Estimate(mix!, ct).Select(b => b.Channels == 1 ? b : b.ToMono()).ToList();
                if (_options.EstimatesOutputDirectory is not null)
                {
                    var targets = Enumerable.Range(0, ests.Count).Select(k => EstimatePath(item.Id, k)!).ToList();
                    foreach (var p in targets)
                        if (inputs.Contains(Path.GetFullPath(p)))
                            throw new IOException($"Estimate file '{p}' would replace an input of the dataset; choose another estimates folder.");
                    for (int k = 0; k < ests.Count; k++)
                        Audio.AudioWriter.Write(targets[k], ests[k], _options.EstimatesFileFormat, WavSampleFormat.Float32, overwrite: true, _options.FfmpegPath, ct);
                    estPaths = targets;
                }
            }
            else ests = item.EstimatePaths!.Select(ReadMono).ToList();
            sources = Compute(item, refs, ests, mix, values, errors, out samples, out permutation);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
        {
            errors["utterance"] = e.Message;
            _logger.LogWarning("Utterance {Id} not evaluated: {Message}", item.Id, e.Message);
        }
        return new UtteranceResult(item.Id, item, values, errors, rate, samples, estPaths) { Permutation = permutation, Sources = sources };
    }

    private List<SourceResult> Compute(EvaluationItem item, List<AudioBuffer> refs, List<AudioBuffer> ests, AudioBuffer? mix,
        IDictionary<string, double> values, IDictionary<string, string> errors, out int samples, out int[] permutation)
    {
        int n = refs.Count;
        if (ests.Count != n) throw new InvalidDataException($"{ests.Count} estimate(s) for {n} reference(s).");
        int rate = refs[0].SampleRate;
        foreach (var b in refs.Concat(ests).Concat(mix is null ? [] : [mix]))
            if (b.SampleRate != rate) throw new InvalidDataException($"Sample rates differ ({b.SampleRate} Hz vs {rate} Hz); resample the estimates to the references' rate first.");
        int len = refs.Min(r => r.Frames);
        int maxLen = refs.Concat(ests).Concat(mix is null ? [] : [mix]).Max(b => b.Frames);
        int minLen = Math.Min(len, ests.Min(e => e.Frames));
        if (mix is not null) minLen = Math.Min(minLen, mix.Frames);
        if (maxLen - minLen > _options.MaxLengthMismatch)
            throw new InvalidDataException($"Lengths differ by {maxLen - minLen} samples (more than MaxLengthMismatch = {_options.MaxLengthMismatch}).");
        samples = minLen;
        var r = new float[n * minLen];
        var e = new float[n * minLen];
        for (int k = 0; k < n; k++)
        {
            refs[k].Channel(0)[..minLen].CopyTo(r.AsSpan(k * minLen));
            ests[k].Channel(0)[..minLen].CopyTo(e.AsSpan(k * minLen));
        }
        float[]? m = mix?.Channel(0)[..minLen].ToArray();
        var metrics = _options.Metrics;
        var perSource = Enumerable.Range(0, n).Select(_ => new SortedDictionary<string, double>(StringComparer.Ordinal)).ToArray();

        // Pairing by SI-SNR (always computed: it defines the assignment).
        var pit = PermutationInvariantSiSnr.Compute(r, e, n);
        permutation = pit.Permutation;
        ReadOnlySpan<float> Ref(int j) => r.AsSpan(j * minLen, minLen);
        ReadOnlySpan<float> Est(int j) => e.AsSpan(pit.Permutation[j] * minLen, minLen);
        if (metrics.HasFlag(EvaluationMetrics.SiSnr))
        {
            values["si_snr"] = pit.Mean;
            for (int j = 0; j < n; j++) perSource[j]["si_snr"] = pit.Scores[j];
        }
        if (metrics.HasFlag(EvaluationMetrics.SiSnrImprovement) && m is not null)
        {
            values["si_snri"] = pit.Mean - PermutationInvariantSiSnr.MixtureBaseline(r, m, n);
            for (int j = 0; j < n; j++) perSource[j]["si_snri"] = pit.Scores[j] - ScaleInvariantSnr.Compute(Ref(j), m);
        }
        void Try(string name, Func<double> f)
        {
            try { values[name] = f(); }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                errors[name] = ex.Message;
                _logger.LogWarning("Utterance {Id}: {Metric} failed: {Message}", item.Id, name, ex.Message);
            }
        }
        // Per source on the SI-SNR pairing; the utterance value is their mean.
        void TryPerSource(string name, Func<int, double> f) => Try(name, () =>
        {
            var v = new double[n];
            for (int j = 0; j < n; j++) v[j] = f(j);
            for (int j = 0; j < n; j++) perSource[j][name] = v[j];
            return v.Average();
        });
        if (metrics.HasFlag(EvaluationMetrics.BssEval))
        {
            BssEvalResult? bss = null;
            Try("sdr", () => (bss = BssEvalSources.Evaluate(r, e, n)).Sdr.Average());
            if (bss is not null)
            {
                values["sir"] = bss.Sir.Average();
                values["sar"] = bss.Sar.Average();
                for (int j = 0; j < n; j++)
                {
                    int i = pit.Permutation[j];
                    bool same = bss.Permutation[j] == i;
                    perSource[j]["sdr"] = same ? bss.Sdr[j] : bss.SdrMatrix![i * n + j];
                    perSource[j]["sir"] = same ? bss.Sir[j] : bss.SirMatrix![i * n + j];
                    perSource[j]["sar"] = same ? bss.Sar[j] : bss.SarMatrix![i * n + j];
                }
                if (m is not null) Try("sdri", () =>
                {
                    var baseline = BssEvalSources.EvaluateMixture(r, m, n).Sdr;
                    for (int j = 0; j < n; j++) perSource[j]["sdri"] = perSource[j]["sdr"] - baseline[j];
                    return bss.Sdr.Average() - baseline.Average();
                });
            }
        }
        if (metrics.HasFlag(EvaluationMetrics.Snr))
        {
            TryPerSource("snr", j => SignalToNoiseRatio.Compute(Ref(j), Est(j)));
            if (m is not null) TryPerSource("snri", j => SignalToNoiseRatio.Compute(Ref(j), Est(j)) - SignalToNoiseRatio.Compute(Ref(j), m));
        }
        if (metrics.HasFlag(EvaluationMetrics.Stoi)) TryPerSource("stoi", j => ShortTimeObjectiveIntelligibility.Compute(Ref(j), Est(j), rate));
        if (metrics.HasFlag(EvaluationMetrics.Estoi)) TryPerSource("estoi", j => ShortTimeObjectiveIntelligibility.ComputeExtended(Ref(j), Est(j), rate));
        foreach (var x in _options.ExtraMetrics)
        {
            if (x.SupportedSampleRates is { } rates && !rates.Contains(rate))
            {
                errors[x.Name] = $"{x.Name} does not support {rate} Hz (supported: {string.Join(", ", rates)}).";
                continue;
            }
            TryPerSource(x.Name, j => x.Compute(Ref(j), Est(j), rate));
        }
        return Enumerable.Range(0, n).Select(j => new SourceResult(j, pit.Permutation[j], perSource[j])).ToList();
    }

    private static AudioBuffer ReadMono(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Audio file '{path}' does not exist.", path);
        var b = Audio.AudioFile.Read(path);      // WAV, MP3, Ogg; FLAC and others through ffmpeg
        return b.Channels == 1 ? b : b.ToMono();
    }
}
