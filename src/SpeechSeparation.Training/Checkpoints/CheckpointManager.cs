using System.Globalization;
using System.Text.RegularExpressions;

namespace SpeechSeparation.Training;

/// <summary>
/// Keeps a training run's checkpoints in one folder: <c>{prefix}-step{N:D9}.pt</c> for the last
/// <see cref="KeepLast"/> saves and <c>best.pt</c> for the best metric. Every file is written atomically (temporary file
/// beside it, flushed, then renamed over the final name), so a crash or a kill during a save leaves the previous good
/// checkpoints intact; stale temporary files of an interrupted save are removed when the manager is created.
/// </summary>
public sealed partial class CheckpointManager
{
    /// <summary>Opens (and creates) the folder.</summary>
    /// <param name="directory">Where checkpoints live.</param>
    /// <param name="keepLast">How many step checkpoints to keep (older ones are deleted after a successful save).</param>
    /// <param name="mode">Whether a lower or a higher metric is better for <c>best.pt</c>.</param>
    /// <param name="prefix">File name prefix.</param>
    public CheckpointManager(string directory, int keepLast = 3, PlateauMode mode = PlateauMode.Min, string prefix = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keepLast);
        if (string.IsNullOrEmpty(prefix) || prefix.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"Invalid checkpoint prefix '{prefix}'.", nameof(prefix));
        Directory = Path.GetFullPath(directory);
        KeepLast = keepLast;
        Mode = mode;
        Prefix = prefix;
        System.IO.Directory.CreateDirectory(Directory);
        foreach (var stale in System.IO.Directory.EnumerateFiles(Directory, ".*.tmp-*"))
            TryDelete(stale);
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Number of step checkpoints kept.</summary>
    public int KeepLast { get; }

    /// <summary>Lower or higher metric is better.</summary>
    public PlateauMode Mode { get; }

    /// <summary>File name prefix.</summary>
    public string Prefix { get; }

    /// <summary>Path of the best checkpoint (it may not exist yet).</summary>
    public string BestPath => Path.Combine(Directory, "best.pt");

    /// <summary>The step checkpoints present, oldest first.</summary>
    public IReadOnlyList<string> Checkpoints() =>
        [.. System.IO.Directory.EnumerateFiles(Directory, Prefix + "-step*.pt")
            .Select(p => (Path: p, Step: StepOf(p)))
            .Where(x => x.Step >= 0)
            .OrderBy(x => x.Step)
            .Select(x => x.Path)];

    /// <summary>The newest step checkpoint, or null.</summary>
    public string? Latest => Checkpoints().LastOrDefault();

    /// <summary>
    /// Saves a checkpoint as the step checkpoint of <see cref="TrainingCheckpoint.Step"/>, prunes older ones beyond
    /// <see cref="KeepLast"/>, and, when <paramref name="metric"/> beats the best metric recorded in <c>best.pt</c>
    /// (or there is none), copies it to <c>best.pt</c> (atomically). The metric is stored in the checkpoint's extras under
    /// <see cref="MetricKey"/>. Returns the step checkpoint's path.
    /// </summary>
    public string Save(TrainingCheckpoint checkpoint, double? metric = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var path = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{Prefix}-step{checkpoint.Step:D9}.pt"));
        if (metric is { } m)
            checkpoint = checkpoint with { Extra = new Dictionary<string, object?>(checkpoint.Extra) { [MetricKey] = m } };
        checkpoint.Save(path);
        if (metric is { } value && IsBetter(value, BestMetric()))
        {
            _best = null;
            CopyAtomically(path, BestPath);
            _best = value;
        }
        var all = Checkpoints();
        for (int i = 0; i < all.Count - KeepLast; i++) TryDelete(all[i]);
        return path;
    }

    /// <summary>The entry of <see cref="TrainingCheckpoint.Extra"/> holding the metric a checkpoint was saved with.</summary>
    public const string MetricKey = "checkpoint_metric";

    private static void CopyAtomically(string source, string destination)
    {
        var tmp = Path.Combine(Path.GetDirectoryName(destination)!, "." + Path.GetFileName(destination) + ".tmp-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            File.Copy(source, tmp);
            using (var fs = new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite)) fs.Flush(flushToDisk: true);
            File.Move(tmp, destination, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>The metric stored in <c>best.pt</c>, or null when there is none (or it cannot be read). Cached after the first read.</summary>
    public double? BestMetric()
    {
        if (_best is { } cached && File.Exists(BestPath)) return cached;
        _best = ReadBestMetric();
        return _best;
    }

    private double? _best;

    private double? ReadBestMetric()
    {
        if (!File.Exists(BestPath)) return null;
        try
        {
            var ck = TrainingCheckpoint.Load(BestPath);
            return ck.Extra.TryGetValue(MetricKey, out var v) && v is not null ? PyConvert.ToDouble(v, "metric") : ck.BestMetric;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>Loads the newest step checkpoint that reads back cleanly (skipping damaged ones), or null.</summary>
    public TrainingCheckpoint? LoadLatest() => LoadLatest(out _);

    /// <summary>Loads the newest step checkpoint that reads back cleanly (skipping damaged ones), or null; <paramref name="path"/> is its file.</summary>
    public TrainingCheckpoint? LoadLatest(out string? path)
    {
        foreach (var p in Checkpoints().Reverse())
        {
            try
            {
                var checkpoint = TrainingCheckpoint.Load(p);
                path = p;
                return checkpoint;
            }
            catch (InvalidDataException) { }
        }
        path = null;
        return null;
    }

    private bool IsBetter(double m, double? best) =>
        best is not { } b || (Mode == PlateauMode.Min ? m < b : m > b);

    private long StepOf(string path)
    {
        var match = StepPattern().Match(Path.GetFileName(path));
        return match.Success && match.Groups[1].Value == Prefix && long.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : -1;
    }

    [GeneratedRegex(@"^(.+)-step(\d+)\.pt$")]
    private static partial Regex StepPattern();

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
