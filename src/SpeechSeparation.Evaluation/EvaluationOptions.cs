namespace SpeechSeparation.Evaluation;

/// <summary>The built-in metrics the <see cref="DatasetEvaluator"/> computes.</summary>
[Flags]
public enum EvaluationMetrics
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Permutation-invariant SI-SNR (<c>si_snr</c>).</summary>
    SiSnr = 1,

    /// <summary>SI-SNR improvement over the mixture (<c>si_snri</c>; needs the mixture).</summary>
    SiSnrImprovement = 2,

    /// <summary>BSS Eval v3 SDR/SIR/SAR (<c>sdr</c>, <c>sir</c>, <c>sar</c>) and SDRi when the mixture is known (<c>sdri</c>).</summary>
    BssEval = 4,

    /// <summary>Plain SNR and its improvement (<c>snr</c>, <c>snri</c>) on the SI-SNR assignment.</summary>
    Snr = 8,

    /// <summary>STOI on the SI-SNR assignment (<c>stoi</c>).</summary>
    Stoi = 16,

    /// <summary>Extended STOI (<c>estoi</c>).</summary>
    Estoi = 32,

    /// <summary>SI-SNR, SI-SNRi, BSS Eval, STOI and ESTOI.</summary>
    Default = SiSnr | SiSnrImprovement | BssEval | Stoi | Estoi,

    /// <summary>Everything built in.</summary>
    All = Default | Snr,
}

/// <summary>Options of a <see cref="DatasetEvaluator"/> run.</summary>
public sealed class EvaluationOptions
{
    /// <summary>Built-in metrics to compute.</summary>
    public EvaluationMetrics Metrics { get; init; } = EvaluationMetrics.Default;

    /// <summary>Extra metrics (e.g. a licensed PESQ), computed per source on the SI-SNR assignment and averaged.</summary>
    public IReadOnlyList<IFullReferenceMetric> ExtraMetrics { get; init; } = [];

    /// <summary>Utterances evaluated at the same time (default: processor count).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Largest length difference (in samples) tolerated between estimates and references; both are cropped to the
    /// shorter length. A larger difference is an error for that utterance. Default: 0.1 s worth of samples at 16 kHz.
    /// </summary>
    public int MaxLengthMismatch { get; init; } = 1600;

    /// <summary>Where model-driven evaluation writes its estimates (<c>DIR/s1/ID.wav</c>…, in the model's output order;
    /// <see cref="UtteranceResult.Permutation"/> says which reference each one was matched to), or null to keep them in
    /// memory only. A file that would replace one of the dataset's inputs is an error for that utterance.</summary>
    public string? EstimatesOutputDirectory { get; init; }

    /// <summary>File format of the written estimates (default WAV, 32-bit float; FLAC and MP3 through ffmpeg). Metrics
    /// are always computed on the model's output itself, before any encoding.</summary>
    public Audio.AudioFileFormat EstimatesFileFormat { get; init; } = Audio.AudioFileFormat.Wav;

    /// <summary>The ffmpeg executable for FLAC/MP3 estimates (null: <c>SPEECHSEP_FFMPEG</c>, else <c>ffmpeg</c> on the PATH).</summary>
    public string? FfmpegPath { get; init; }

    /// <summary>Receives progress after every utterance.</summary>
    public IProgress<EvaluationProgress>? Progress { get; init; }
}
