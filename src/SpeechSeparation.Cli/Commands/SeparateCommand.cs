using System.CommandLine;
using System.Text.Json;
using SpeechSeparation.Distributed.Sharding;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep separate|enhance INPUT... [--model PATH] [options]</c>: processes WAV files, folders and globs in bounded
/// memory, writing one file per output. Exit codes: 0 success, 1 a file failed, 2 usage error, 130 cancelled (no partial
/// stems or temporary files are left behind).
/// </summary>
public sealed class SeparateCommand(bool enhance) : CliCommand
{
    /// <inheritdoc />
    public override string Name => enhance ? "enhance" : "separate";

    /// <inheritdoc />
    public override string Summary => enhance
        ? "remove noise from audio files (--model PATH or hf:ORG/NAME; folders with --recursive)"
        : "separate audio files into speakers/stems (default: the embedded 2-speaker 8 kHz model; --model PATH or hf:ORG/NAME)";

    private readonly Argument<string[]> _inputs = new("inputs")
    {
        Description = "Audio files (WAV, MP3, Ogg Vorbis/Opus; FLAC, M4A and others with ffmpeg), folders (--recursive for sub-folders) or glob patterns such as 'data/*.mp3' or 'data/**/*.wav'.",
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<string> _model = CommonOptions.Model();
    private readonly Option<string> _arch = CommonOptions.Arch();
    private readonly Option<string> _config = CommonOptions.Config();
    private readonly Option<string> _out = new("--out", "-o") { Description = "Output folder (default: next to each input)." };
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<int?> _threads = CommonOptions.Threads();
    private readonly Option<string> _precision = CommonOptions.Precision();
    private readonly Option<int> _batch = CommonOptions.BatchSize();
    private readonly Option<string> _gain = CommonOptions.Gain();
    private readonly Option<double> _window = CommonOptions.Window();
    private readonly Option<double> _overlap = CommonOptions.Overlap();
    private readonly Option<string> _channels = CommonOptions.Channels();
    private readonly Option<string> _format = CommonOptions.Format();
    private readonly Option<string> _sampleFormat = CommonOptions.SampleFormat();
    private readonly Option<string> _ffmpeg = CommonOptions.Ffmpeg();
    private readonly Option<bool> _recursive = new("--recursive", "-r") { Description = "Include WAV files in sub-folders of folder inputs." };
    private readonly Option<bool> _overwrite = new("--overwrite") { Description = "Replace existing output files." };
    private readonly Option<bool> _json = CommonOptions.Json();
    private readonly Option<string> _shard = new("--shard") { Description = "Process shard K of N (K/N, 0-based), 'auto' (from Slurm array, Kubernetes Indexed Job or mpiexec variables) or 'none'.", DefaultValueFactory = _ => "auto" };
    private readonly Option<int?> _shardCount = new("--shard-count") { Description = "N for Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX gives K)." };
    private readonly Option<bool> _skipExisting = new("--skip-existing") { Description = "Skip inputs whose outputs all exist (resume a batch)." };
    private readonly Option<string> _manifest = new("--manifest") { Description = "Append one JSON line per input (outputs, status, error); {shard} and {shards} are replaced." };

    /// <inheritdoc />
    protected override void Configure(Command command)
    {
        command.Arguments.Add(_inputs);
        if (enhance) _model.Required = true;
        foreach (var o in new Option[] { _model, _arch, _config, _out, _device, _threads, _precision, _batch, _gain, _window, _overlap, _channels, _format, _sampleFormat, _ffmpeg, _recursive, _overwrite, _json, _shard, _shardCount, _skipExisting, _manifest })
            command.Options.Add(o);
    }

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var inputs = parse.GetValue(_inputs) ?? [];
        string? model = parse.GetValue(_model), outDir = parse.GetValue(_out);
        bool json = parse.GetValue(_json), recursive = parse.GetValue(_recursive);
        var options = new SeparatorOptions
        {
            Device = CommonOptions.ParseDevice(parse.GetValue(_device)!),
            Threads = parse.GetValue(_threads),
            Precision = CommonOptions.ParsePrecision(parse.GetValue(_precision)!),
            BatchSize = parse.GetValue(_batch) is var b and >= 1 ? b : throw new UsageException("--batch-size must be at least 1."),
            Gain = CommonOptions.ParseGain(parse.GetValue(_gain)!),
            WindowSeconds = parse.GetValue(_window),
            OverlapSeconds = parse.GetValue(_overlap),
            Channels = parse.GetValue(_channels) == "per-channel" ? ChannelMode.PerChannel : ChannelMode.Downmix,
            Architecture = parse.GetValue(_arch),
            ConfigJson = parse.GetValue(_config),
        };
        if (options.WindowSeconds <= 0 || options.OverlapSeconds < 0 || options.OverlapSeconds > options.WindowSeconds / 2)
            throw new UsageException("--window must be positive and --overlap between 0 and half of --window.");
        var (fileFormat, sampleFormat) = CommonOptions.ParseOutputFormat(parse.GetValue(_format)!, parse.GetValue(_sampleFormat)!);
        var output = new OutputOptions { Overwrite = parse.GetValue(_overwrite), Format = sampleFormat, FileFormat = fileFormat, FfmpegPath = parse.GetValue(_ffmpeg) };
        Audio.AudioWriter.RequireEncoder(fileFormat, output.FfmpegPath);     // before any work: names the missing encoder
        string extension = Audio.AudioWriter.Extension(fileFormat);

        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                    .Where(Audio.AudioFile.HasAudioExtension).Order(StringComparer.Ordinal));
            else if (File.Exists(input)) files.Add(input);
            else if (InputGlob.IsPattern(input))
            {
                var matched = InputGlob.Expand(input);
                if (matched.Count == 0) throw new UsageException($"no file matches {input}");
                files.AddRange(matched);
            }
            else if (input.StartsWith('-')) throw new UsageException($"unknown option '{input}'.");
            else throw new UsageException($"no such file or folder: {input}");
        }

        var sharding = new ShardingOptions
        {
            Shard = parse.GetValue(_shard), ShardCount = parse.GetValue(_shardCount),
            SkipExisting = parse.GetValue(_skipExisting), Manifest = parse.GetValue(_manifest),
        };
        ShardedBatch batch;
        try { batch = sharding.Open(files, Name, stderr); }
        catch (Exception e) when (e is ArgumentException or FormatException) { throw new UsageException(e.Message); }
        using var _ = batch;
        if (batch.SkipExisting) output = output with { Overwrite = true };      // what is not skipped is redone whole
        var results = new List<object>();
        int failed = 0;
        if (SpeechSeparation.Hub.HubModelId.HasHubPrefix(model))
        {
            // Download first (progress on standard error, cancellable), then load from the cache without a request.
            var download = new ConsoleProgress(stderr, "download " + model, enabled: !json);
            var hub = HubSettings(download);
            try { SpeechSeparation.Hub.ModelHub.DownloadAsync(model!, hub, ct).GetAwaiter().GetResult(); }
            finally { download.Done(); }
            options = options with { Hub = hub with { Offline = true, Progress = null } };
        }
        else if (Hub is not null) options = options with { Hub = Hub };
        using var sep = enhance ? null : model is null ? Separator.Load(options) : Separator.Load(model, options);
        using var enh = enhance ? Enhancer.Load(model!, options) : null;
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            var dir = outDir ?? Path.GetDirectoryName(Path.GetFullPath(file))!;
            var expected = sep is not null
                ? sep.SourceNames.Select(n => Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(file)}_{n}{extension}")).ToList()
                : [Path.Combine(dir, Path.GetFileNameWithoutExtension(file) + "_enhanced" + extension)];
            if (batch.ShouldSkip(file, expected))
            {
                batch.Skipped(file, expected);
                results.Add(new { input = file, outputs = expected, ok = true, skipped = true });
                continue;
            }
            var progress = new ConsoleProgress(stderr, Path.GetFileName(file), enabled: !json);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                IReadOnlyList<string> written;
                if (sep is not null) written = sep.SeparateFile(file, dir, output, progress, ct);
                else
                {
                    Directory.CreateDirectory(dir);
                    enh!.EnhanceFile(file, expected[0], output, progress, ct);
                    written = expected;
                }
                progress.Done();
                batch.Completed(file, written, clock.Elapsed);
                results.Add(new { input = file, outputs = written, ok = true });
                if (!json) foreach (var w in written) stdout.WriteLine(w);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or System.Runtime.InteropServices.ExternalException)
            {
                progress.Done();
                failed++;
                batch.Failed(file, e.Message, clock.Elapsed);
                results.Add(new { input = file, error = e.Message, ok = false });
                stderr.WriteLine($"{Name}: {file}: {e.Message}");
            }
        }
        if (json) stdout.WriteLine(JsonSerializer.Serialize(new { files = results, failed }, new JsonSerializerOptions { WriteIndented = true }));
        return failed == 0 ? 0 : 1;
    }
}
