using System.Text.Json;
using System.Text.Json.Serialization;
using SpeechSeparation.Models.MossFormer;

namespace SpeechSeparation.Models.MossFormer2Se;

/// <summary>
/// Hyper-parameters of ClearerVoice-Studio's <c>MossFormer2_SE_48K</c>: the mask network (<c>MossFormer_MaskNet</c>
/// constructor names) and the inference arguments of <c>config/inference/MossFormer2_SE_48K.yaml</c> (sampling rate,
/// STFT, mel count, decode lengths). The attention and FSMN internals are fixed upstream; they are exposed with those
/// values.
/// </summary>
public sealed record MossFormer2SeConfig
{
    /// <summary>Mask-net input features (3 × <see cref="NumMels"/>: fbank, Δ, ΔΔ).</summary>
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 180;
    /// <summary>Mask-net / attention width d.</summary>
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 512;
    /// <summary>Mask width: STFT bins <c>fft_len/2 + 1</c>.</summary>
    [JsonPropertyName("out_channels_final")] public int OutChannelsFinal { get; init; } = 961;
    /// <summary>Number of (attention + FSMN) layers.</summary>
    [JsonPropertyName("num_blocks")] public int NumBlocks { get; init; } = 24;
    /// <summary>Mask-net normalisation ("ln" = GroupNorm(1, C, eps 1e-8)).</summary>
    [JsonPropertyName("norm")] public string Norm { get; init; } = "ln";
    /// <summary>Heads of <c>conv1d_out</c> (2 in the checkpoint; only speaker 0 is used).</summary>
    [JsonPropertyName("num_spks")] public int NumSpks { get; init; } = 2;
    /// <summary>Skip connection around the attention stack.</summary>
    [JsonPropertyName("skip_around_intra")] public bool SkipAroundIntra { get; init; } = true;
    /// <summary>Add the scaled sinusoidal position embedding.</summary>
    [JsonPropertyName("use_global_pos_enc")] public bool UseGlobalPosEnc { get; init; } = true;
    /// <summary>Stored upstream, unused.</summary>
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 20000;
    /// <summary>Chunk length of the quadratic attention (fixed to 256 upstream).</summary>
    [JsonPropertyName("group_size")] public int GroupSize { get; init; } = 256;
    /// <summary>Query/key width (fixed to 128 upstream).</summary>
    [JsonPropertyName("query_key_dim")] public int QueryKeyDim { get; init; } = 128;
    /// <summary>Hidden expansion (fixed to 4 upstream).</summary>
    [JsonPropertyName("expansion_factor")] public double ExpansionFactor { get; init; } = 4.0;
    /// <summary>Attention dropout (training only).</summary>
    [JsonPropertyName("attn_dropout")] public double AttnDropout { get; init; } = 0.1;
    /// <summary>Inner width of the gated FSMN blocks (fixed to 256 upstream).</summary>
    [JsonPropertyName("fsmn_inner_channels")] public int FsmnInnerChannels { get; init; } = 256;
    /// <summary>FSMN memory order (fixed to 20 upstream: a 39-tap symmetric filter).</summary>
    [JsonPropertyName("fsmn_lorder")] public int FsmnLorder { get; init; } = 20;

    /// <summary>Sample rate of the model (upstream <c>sampling_rate</c>).</summary>
    [JsonPropertyName("sampling_rate")] public int SampleRate { get; init; } = 48000;
    /// <summary>STFT / fbank frame length in samples.</summary>
    [JsonPropertyName("win_len")] public int WinLen { get; init; } = 1920;
    /// <summary>STFT / fbank hop in samples.</summary>
    [JsonPropertyName("win_inc")] public int WinInc { get; init; } = 384;
    /// <summary>STFT size (mask bins = fft_len/2 + 1).</summary>
    [JsonPropertyName("fft_len")] public int FftLen { get; init; } = 1920;
    /// <summary>Window of the STFT and the fbank (symmetric).</summary>
    [JsonPropertyName("win_type")] public string WinType { get; init; } = "hamming";
    /// <summary>Mel bins of the fbank.</summary>
    [JsonPropertyName("num_mels")] public int NumMels { get; init; } = 60;
    /// <summary>Longest input decoded in one pass, seconds.</summary>
    [JsonPropertyName("one_time_decode_length")] public double OneTimeDecodeLength { get; init; } = 20;
    /// <summary>Window of the long-input decoding, seconds (stride 0.75 of it).</summary>
    [JsonPropertyName("decode_window")] public double DecodeWindow { get; init; } = 4;
    /// <summary>
    /// Fbank dither (Gaussian noise of this standard deviation at ×32768 scale). Upstream hard-codes 1.0, which makes
    /// its outputs vary from run to run; the default here is 0 (deterministic, as every fixture).
    /// </summary>
    [JsonPropertyName("dither")] public double Dither { get; init; }

    /// <summary>The published configuration (55,262,170 parameters).</summary>
    public static MossFormer2SeConfig Published { get; } = new();

    /// <summary>
    /// Reads a config from a JSON object with the upstream names (mask-net arguments and/or the inference yaml's keys;
    /// <c>sample_rate</c> is accepted for <c>sampling_rate</c>). Unknown names are ignored.
    /// </summary>
    public static MossFormer2SeConfig FromJson(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) return new();
        var c = json.Deserialize<MossFormer2SeConfig>(MossFormerConfig.JsonOptions) ?? new();
        if (!json.TryGetProperty("sampling_rate", out _) && json.TryGetProperty("sample_rate", out var sr) && sr.ValueKind == JsonValueKind.Number)
            c = c with { SampleRate = (int)sr.GetDouble() };
        return c;
    }

    /// <summary>Checks that the pieces fit together (features = 3 × mels, mask = STFT bins).</summary>
    /// <exception cref="ArgumentException">They do not.</exception>
    public void Validate()
    {
        if (InChannels != 3 * NumMels)
            throw new ArgumentException($"in_channels ({InChannels}) must be 3 × num_mels ({NumMels}): fbank, delta and delta-delta.");
        if (OutChannelsFinal != FftLen / 2 + 1)
            throw new ArgumentException($"out_channels_final ({OutChannelsFinal}) must equal fft_len/2 + 1 ({FftLen / 2 + 1}), the STFT bins.");
        if (WinLen > FftLen) throw new ArgumentException($"win_len ({WinLen}) cannot exceed fft_len ({FftLen}).");
        if (NumSpks < 1) throw new ArgumentException("num_spks must be at least 1.");
    }
}
