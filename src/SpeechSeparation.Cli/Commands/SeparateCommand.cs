using System.Globalization;
using System.Text.Json;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep separate|enhance INPUT... --model PATH [options]</c>: processes WAV files and folders in bounded memory,
/// writing one file per output. Exit codes: 0 success, 1 a file failed, 2 usage error.
/// </summary>
public sealed class SeparateCommand(bool enhance) : ICommand
{
    /// <inheritdoc />
    public string Name => enhance ? "enhance" : "separate";

    /// <inheritdoc />
    public string Summary => enhance
        ? "remove noise from WAV files (--model PATH; folders with --recursive)"
        : "separate WAV files into speakers/stems (default: the embedded 2-speaker 8 kHz model; --model PATH)";

    private string Usage =>
        $"usage: speechsep {Name} INPUT... {(enhance ? "--model PATH" : "[--model PATH|default]")} [--arch NAME --config JSON] [--out DIR] [--device cpu|cuda[:N]] [--threads N]\n" +
        "       INPUT: WAV files, folders (--recursive) or glob patterns such as 'data/*.wav' or 'data/**/*.wav'\n" +
        "       [--precision fp32|bf16] [--format pcm16|pcm24|float32] [--window SECONDS] [--overlap SECONDS] [--channels downmix|per-channel]\n" +
        "       [--recursive] [--overwrite] [--json]\n" + ShardingOptions.Usage;

    /// <inheritdoc />
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var inputs = new List<string>();
        string? model = null, arch = null, config = null, outDir = null;
        var options = new SeparatorOptions();
        var output = new OutputOptions();
        bool recursive = false, json = false;
        var sharding = new ShardingOptions();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--model": model = Next(); break;
                    case "--arch": arch = Next(); break;
                    case "--config": config = Next(); break;
                    case "--out": outDir = Next(); break;
                    case "--device": options = options with { Device = torch.device(Next()) }; break;
                    case "--threads": options = options with { Threads = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                    case "--precision": options = options with { Precision = ParsePrecision(Next()) }; break;
                    case "--window": options = options with { WindowSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                    case "--overlap": options = options with { OverlapSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                    case "--channels":
                        options = options with { Channels = Next() switch { "downmix" => ChannelMode.Downmix, "per-channel" => ChannelMode.PerChannel, var c => throw new ArgumentException($"Unknown channel mode '{c}'.") } };
                        break;
                    case "--format":
                        output = output with { Format = Next() switch { "pcm16" => WavSampleFormat.Pcm16, "pcm24" => WavSampleFormat.Pcm24, "float32" => WavSampleFormat.Float32, var f => throw new ArgumentException($"Unknown format '{f}' (pcm16, pcm24, float32).") } };
                        break;
                    case "--recursive": recursive = true; break;
                    case "--overwrite": output = output with { Overwrite = true }; break;
                    case "--json": json = true; break;
                    case "-h" or "--help": stdout.WriteLine(Usage); return 0;
                    default:
                        if (sharding.TryParse(args, ref i)) break;
                        if (args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unknown option {args[i]}.");
                        inputs.Add(args[i]);
                        break;
                }
            }
            if (inputs.Count == 0) throw new ArgumentException("No input given.");
            if (model is null && enhance) throw new ArgumentException("--model PATH is required (a model package folder, a ModelScope folder, or a checkpoint with --arch).");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            stderr.WriteLine($"{Name}: {e.Message}");
            stderr.WriteLine(Usage);
            return 2;
        }

        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input, "*.wav", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal));
            else if (File.Exists(input)) files.Add(input);
            else if (InputGlob.IsPattern(input))
            {
                var matched = InputGlob.Expand(input);
                if (matched.Count == 0) { stderr.WriteLine($"{Name}: no file matches {input}"); return 2; }
                files.AddRange(matched);
            }
            else { stderr.WriteLine($"{Name}: no such file or folder: {input}"); return 2; }
        }

        using var batch = sharding.Open(files, Name, stderr);
        if (batch.SkipExisting) output = output with { Overwrite = true };      // what is not skipped is redone whole
        options = options with { Architecture = arch, ConfigJson = config };
        var results = new List<object>();
        int failed = 0;
        using var sep = enhance ? null : model is null ? Separator.Load(options) : Separator.Load(model, options);
        using var enh = enhance ? Enhancer.Load(model!, options) : null;
        foreach (var file in files)
        {
            var dir = outDir ?? Path.GetDirectoryName(Path.GetFullPath(file))!;
            var expected = sep is not null
                ? sep.SourceNames.Select(n => Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(file)}_{n}.wav")).ToList()
                : [Path.Combine(dir, Path.GetFileNameWithoutExtension(file) + "_enhanced.wav")];
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
                if (sep is not null) written = sep.SeparateFile(file, dir, output, progress);
                else
                {
                    Directory.CreateDirectory(dir);
                    enh!.EnhanceFile(file, expected[0], output, progress);
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

    /// <summary>Parses <c>--precision</c>: <c>fp32</c>/<c>float32</c> or <c>bf16</c>/<c>bfloat16</c>.</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    internal static Precision ParsePrecision(string value) => value.ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Float32,
        "bf16" or "bfloat16" => Precision.BFloat16,
        _ => throw new ArgumentException($"Unknown precision '{value}' (fp32, bf16)."),
    };
}

/// <summary>A one-line progress bar on standard error.</summary>
internal sealed class ConsoleProgress(TextWriter writer, string label, bool enabled) : IProgress<double>
{
    private int _lastPercent = -1;

    public void Report(double value)
    {
        if (!enabled) return;
        int p = (int)Math.Round(Math.Clamp(value, 0, 1) * 100);
        if (p == _lastPercent) return;
        _lastPercent = p;
        int filled = p / 5;
        writer.Write($"\r{label} [{new string('#', filled)}{new string('.', 20 - filled)}] {p,3}%");
    }

    public void Done()
    {
        if (enabled && _lastPercent >= 0) writer.WriteLine();
    }
}
