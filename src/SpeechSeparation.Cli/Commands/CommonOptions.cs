using System.CommandLine;
using System.Globalization;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Cli.Commands;

/// <summary>The options several commands share, declared once (names, help, accepted values and conversion).</summary>
public static class CommonOptions
{
    /// <summary><c>--json</c>: the report as JSON on standard output.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Write the report as JSON on standard output." };

    /// <summary><c>--model</c>: a package or ModelScope/SpeechBrain folder, a checkpoint, or <c>default</c>.</summary>
    public static Option<string> Model(string description = "Model package folder, ModelScope or SpeechBrain-layout folder, checkpoint file (with --arch), 'default', or a hub id: hf:ORG/NAME[@REV] or modelscope:ORG/NAME[@REV] (downloaded into the shared cache).") =>
        new("--model", "-m") { Description = description };

    /// <summary><c>--arch</c> for bare checkpoints.</summary>
    public static Option<string> Arch() => new("--arch") { Description = "Architecture of a bare checkpoint (see 'speechsep models')." };

    /// <summary><c>--config</c>: hyper-parameters as JSON.</summary>
    public static Option<string> Config() => new("--config") { Description = "Hyper-parameters of a bare checkpoint, as a JSON object." };

    /// <summary><c>--device</c>.</summary>
    public static Option<string> Device() => new("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };

    /// <summary><c>--threads</c>: libtorch intra-op threads (process-wide).</summary>
    public static Option<int?> Threads() => new("--threads") { Description = "libtorch intra-op threads (default: libtorch's choice)." };

    /// <summary><c>--precision</c>.</summary>
    public static Option<string> Precision()
    {
        var o = new Option<string>("--precision") { Description = "Network precision.", DefaultValueFactory = _ => "fp32" };
        o.AcceptOnlyFromAmong("fp32", "float32", "bf16", "bfloat16");
        return o;
    }

    /// <summary><c>--batch-size</c>: windows per forward pass.</summary>
    public static Option<int> BatchSize() => new("--batch-size") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 1 };

    /// <summary><c>--gain</c>: the output level policy.</summary>
    public static Option<string> Gain()
    {
        var o = new Option<string>("--gain") { Description = "Output level: match (least-squares match of the stems' sum to the mixture), peak (each stem at -1 dBFS) or none.", DefaultValueFactory = _ => "match" };
        o.AcceptOnlyFromAmong("match", "peak", "none");
        return o;
    }

    /// <summary><c>--window</c> seconds.</summary>
    public static Option<double> Window() => new("--window") { Description = "Window length in seconds for long audio.", DefaultValueFactory = _ => 4.0 };

    /// <summary><c>--overlap</c> seconds.</summary>
    public static Option<double> Overlap() => new("--overlap") { Description = "Overlap between windows in seconds (at most half a window).", DefaultValueFactory = _ => 1.0 };

    /// <summary><c>--channels</c>.</summary>
    public static Option<string> Channels()
    {
        var o = new Option<string>("--channels") { Description = "Multi-channel input: separate the down-mix, or each channel.", DefaultValueFactory = _ => "downmix" };
        o.AcceptOnlyFromAmong("downmix", "per-channel");
        return o;
    }

    /// <summary><c>--format</c>: the output file format (wav, flac, mp3); the WAV sample formats are accepted too (as before).</summary>
    public static Option<string> Format()
    {
        var o = new Option<string>("--format")
        {
            Description = "Output file format: wav (default), flac or mp3 (both encoded by ffmpeg). pcm16, pcm24 and float32 mean wav with that sample format.",
            DefaultValueFactory = _ => "wav",
        };
        o.AcceptOnlyFromAmong("wav", "flac", "mp3", "pcm16", "pcm24", "float32");
        return o;
    }

    /// <summary><c>--sample-format</c> of written WAV (and the bit depth of FLAC) files.</summary>
    public static Option<string> SampleFormat()
    {
        var o = new Option<string>("--sample-format") { Description = "Sample format of WAV output (FLAC: 16 bits for pcm16, 24 bits otherwise; ignored for MP3).", DefaultValueFactory = _ => "pcm16" };
        o.AcceptOnlyFromAmong("pcm16", "pcm24", "float32");
        return o;
    }

    /// <summary><c>--ffmpeg</c>: the encoder executable for FLAC/MP3 output.</summary>
    public static Option<string> Ffmpeg() => new("--ffmpeg") { Description = "ffmpeg executable for --format flac|mp3 (default: SPEECHSEP_FFMPEG, else ffmpeg on the PATH)." };

    /// <summary>Parses <c>--precision</c>.</summary>
    /// <exception cref="UsageException">Any other value.</exception>
    public static SpeechSeparation.Precision ParsePrecision(string value) => value.ToLowerInvariant() switch
    {
        "fp32" or "float32" => SpeechSeparation.Precision.Float32,
        "bf16" or "bfloat16" => SpeechSeparation.Precision.BFloat16,
        _ => throw new UsageException($"Unknown precision '{value}' (fp32, bf16)."),
    };

    /// <summary>Parses <c>--gain</c>.</summary>
    public static GainPolicy ParseGain(string value) => value switch
    {
        "none" => GainPolicy.None,
        "peak" => GainPolicy.PeakNormalize,
        _ => GainPolicy.MatchMixture,
    };

    /// <summary>Parses a WAV sample format name (<c>pcm16</c>, <c>pcm24</c>, <c>float32</c>).</summary>
    public static WavSampleFormat ParseSampleFormat(string value) => value switch
    {
        "pcm24" => WavSampleFormat.Pcm24,
        "float32" => WavSampleFormat.Float32,
        _ => WavSampleFormat.Pcm16,
    };

    /// <summary>Parses <c>--format</c> and <c>--sample-format</c> into the output file and sample formats; a sample format
    /// given as <c>--format</c> (pcm16, pcm24, float32: the older spelling) means WAV in that sample format.</summary>
    public static (Audio.AudioFileFormat File, WavSampleFormat Samples) ParseOutputFormat(string format, string sampleFormat) => format switch
    {
        "pcm16" or "pcm24" or "float32" => (Audio.AudioFileFormat.Wav, ParseSampleFormat(format)),
        _ => (Audio.AudioWriter.ParseFormat(format), ParseSampleFormat(sampleFormat)),
    };

    /// <summary>Parses <c>--device</c>.</summary>
    /// <exception cref="UsageException">Not a device name libtorch knows.</exception>
    public static Device ParseDevice(string value)
    {
        try { return torch.device(value); }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Runtime.InteropServices.ExternalException)
        {
            throw new UsageException($"Unknown device '{value}' (cpu, cuda, cuda:N).");
        }
    }

    /// <summary>A number for messages.</summary>
    public static string Invariant(double v) => v.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Progress on standard error: a redrawn bar when standard error is a terminal, otherwise one plain line per 10 %
/// (logs and CI output stay readable).
/// </summary>
internal sealed class ConsoleProgress(TextWriter writer, string label, bool enabled) : IProgress<double>
{
    private int _lastPercent = -1;
    private readonly bool _terminal = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;

    public void Report(double value)
    {
        if (!enabled) return;
        int p = (int)Math.Round(Math.Clamp(value, 0, 1) * 100);
        if (_terminal)
        {
            if (p == _lastPercent) return;
            _lastPercent = p;
            int filled = p / 5;
            writer.Write($"\r{label} [{new string('#', filled)}{new string('.', 20 - filled)}] {p,3}%");
            return;
        }
        int decile = p / 10 * 10;
        if (decile <= _lastPercent) return;
        _lastPercent = decile;
        writer.WriteLine($"{label}: {decile}%");
    }

    public void Done()
    {
        if (enabled && _terminal && _lastPercent >= 0) writer.WriteLine();
    }
}
