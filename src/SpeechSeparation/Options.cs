using Microsoft.Extensions.Logging;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;

namespace SpeechSeparation;

/// <summary>How multi-channel input is handled.</summary>
public enum ChannelMode
{
    /// <summary>Average the channels and separate the mono down-mix (stems are mono).</summary>
    Downmix,
    /// <summary>Separate each channel on its own (stems keep the channel count).</summary>
    PerChannel,
}

/// <summary>
/// What happens to the level of the outputs. Outputs are never clipped: when a stem written as integer PCM would exceed
/// full scale, every stem of that file is scaled down by the same factor.
/// </summary>
public enum GainPolicy
{
    /// <summary>
    /// Default. Stems are scaled by one common factor so that their sum best matches the mixture (least squares), i.e.
    /// they keep the mixture's scale whatever scale the network produced.
    /// </summary>
    MatchMixture,
    /// <summary>The network's output as it is.</summary>
    None,
    /// <summary>Each stem peak-normalised to -1 dBFS.</summary>
    PeakNormalize,
}

/// <summary>The numeric precision a network runs in.</summary>
public enum Precision
{
    /// <summary>Default. Weights and activations in float32: the reference results.</summary>
    Float32,
    /// <summary>
    /// Weights and activations in bfloat16 (8 significant bits, float32's range): half the weight memory and, on CPUs
    /// with native bfloat16 instructions (AVX512-BF16, AMX), faster matrix products. Outputs differ from float32 ones by
    /// an error about 35–45 dB below the signal for MossFormer and MossFormer2 and 20–30 dB for FRCRN (SI-SNR measured
    /// on the test fixtures; see docs/api.md, "bfloat16 precision"). Inputs are converted to bfloat16 and outputs back
    /// to float32; position-encoding frequency tables, FRCRN's STFTs and the hourglass network's STFTs stay in float32.
    /// Supported by MossFormer, MossFormer2, MossFormer2_SE_48K (mask network only; about 38–44 dB on its fixtures), FRCRN
    /// and the hourglass network; the SpeechBrain tutorial baselines raise
    /// <see cref="NotSupportedException"/> when loaded.
    /// </summary>
    BFloat16,
}

/// <summary>Options of <see cref="Separator.Load(string, SeparatorOptions?)"/> and <see cref="Enhancer"/>.</summary>
public sealed record SeparatorOptions
{
    /// <summary>Where the model runs (CPU by default; <see cref="torch.CUDA"/> with a CUDA libtorch).</summary>
    public Device Device { get; init; } = torch.CPU;

    /// <summary>Numeric precision of the network (float32 by default; see <see cref="SpeechSeparation.Precision"/>).</summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>
    /// libtorch intra-op threads (null keeps libtorch's default). This is a <b>process-wide</b> libtorch setting applied
    /// when the separator is created: it affects every model in the process, and the last separator created with a value
    /// wins. Use one value per process.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Window length for long audio, in seconds of model-rate audio.</summary>
    public double WindowSeconds { get; init; } = 4.0;

    /// <summary>Overlap between windows, in seconds (at most half a window).</summary>
    public double OverlapSeconds { get; init; } = 1.0;

    /// <summary>Windows per forward pass.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Multi-channel handling.</summary>
    public ChannelMode Channels { get; init; } = ChannelMode.Downmix;

    /// <summary>Output level policy.</summary>
    public GainPolicy Gain { get; init; } = GainPolicy.MatchMixture;

    /// <summary>Architecture of a bare checkpoint (<c>.pt</c>/<c>.bin</c> without a config), e.g. <c>sb_simpleseparator</c>.</summary>
    public string? Architecture { get; init; }

    /// <summary>Hyper-parameters for a bare checkpoint, as JSON with the upstream names.</summary>
    public string? ConfigJson { get; init; }

    /// <summary>Logging (progress and decisions are logged at Debug/Information).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// How hub ids (<c>hf:ORG/NAME[@REV]</c>, <c>modelscope:ORG/NAME[@REV]</c>) are downloaded: endpoints, caches, token,
    /// offline mode and download progress (null: <c>new HubOptions()</c>, read from the environment; its logging falls
    /// back to <see cref="LoggerFactory"/>).
    /// </summary>
    public Hub.HubOptions? Hub { get; init; }
}

/// <summary>How stems are written to files.</summary>
public sealed record OutputOptions
{
    /// <summary>Sample format of written WAV files (for FLAC: 16 bits for <see cref="WavSampleFormat.Pcm16"/>, 24 bits otherwise;
    /// ignored for MP3).</summary>
    public WavSampleFormat Format { get; init; } = WavSampleFormat.Pcm16;

    /// <summary>File format of the outputs (default WAV). FLAC and MP3 are encoded by ffmpeg (<see cref="FfmpegPath"/>); the
    /// file names get the format's extension (<c>.flac</c>, <c>.mp3</c>).</summary>
    public SpeechSeparation.Audio.AudioFileFormat FileFormat { get; init; } = SpeechSeparation.Audio.AudioFileFormat.Wav;

    /// <summary>The ffmpeg executable for FLAC/MP3 output (null: <c>SPEECHSEP_FFMPEG</c>, else <c>ffmpeg</c> on the PATH).</summary>
    public string? FfmpegPath { get; init; }

    /// <summary>Replace existing files (otherwise an existing output raises <see cref="IOException"/>).</summary>
    public bool Overwrite { get; init; }
}
