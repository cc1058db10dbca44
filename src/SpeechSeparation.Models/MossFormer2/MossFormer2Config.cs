using System.Text.Json;
using System.Text.Json.Serialization;
using SpeechSeparation.Models.MossFormer;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// Hyper-parameters of MossFormer2 with the ModelScope constructor names (<c>MossFormer2(in_channels, out_channels,
/// num_blocks, kernel_size, norm, num_spks, skip_around_intra, use_global_pos_enc, max_length)</c>). ClearerVoice's
/// wrapper names map as encoder_embedding_dim → in_channels, mossformer_sequence_dim → out_channels,
/// num_mossformer_layer → num_blocks, encoder_kernel_size → kernel_size. The attention and FSMN internals are fixed
/// upstream; they are exposed here with those fixed values.
/// </summary>
public sealed record MossFormer2Config
{
    /// <summary>Encoder channels N.</summary>
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 512;
    /// <summary>Mask-net / attention width.</summary>
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 512;
    /// <summary>Number of (attention + FSMN) layers.</summary>
    [JsonPropertyName("num_blocks")] public int NumBlocks { get; init; } = 24;
    /// <summary>Encoder/decoder kernel (stride kernel/2).</summary>
    [JsonPropertyName("kernel_size")] public int KernelSize { get; init; } = 16;
    /// <summary>Mask-net normalisation ("ln").</summary>
    [JsonPropertyName("norm")] public string Norm { get; init; } = "ln";
    /// <summary>Number of speakers S.</summary>
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
    /// <summary>FSMN memory order (fixed to 20 upstream).</summary>
    [JsonPropertyName("fsmn_lorder")] public int FsmnLorder { get; init; } = 20;
    /// <summary>Sample rate of the released weights.</summary>
    [JsonPropertyName("sample_rate")] public int SampleRate { get; init; } = 8000;
    /// <summary>
    /// Multiply the encoder output by the mask net's output before decoding (true: every published model but one). The
    /// authors' WHAMR! model (<c>alibabasglab/mossformer2-whamr-2spk</c>) decodes the mask net's output directly;
    /// upstream switches this on its <c>config_name</c>, here it is this explicit option (<see cref="FromJson"/> sets it
    /// from that name too).
    /// </summary>
    [JsonPropertyName("apply_mask")] public bool ApplyMask { get; init; } = true;

    /// <summary>ModelScope <c>damo/speech_mossformer2_separation_temporal_8k</c> (55,735,410 parameters).</summary>
    public static MossFormer2Config ModelScope8k { get; } = new();

    /// <summary>ClearerVoice-Studio <c>MossFormer2_SS_16K</c> (same network, 16 kHz).</summary>
    public static MossFormer2Config ClearerVoice16k { get; } = new() { SampleRate = 16000 };

    /// <summary>Checks every size against a sane range and the total against <see cref="ConfigChecks.MaxParameters"/>.</summary>
    /// <exception cref="InvalidDataException">The offending field, by name.</exception>
    public MossFormer2Config Validate()
    {
        const string m = "mossformer2";
        ConfigChecks.MossFormerFamily(m, NumSpks, KernelSize, InChannels, OutChannels, NumBlocks, GroupSize, QueryKeyDim, ExpansionFactor, AttnDropout, SampleRate);
        ConfigChecks.Range(m, "fsmn_inner_channels", FsmnInnerChannels, 1, 4096);
        ConfigChecks.Range(m, "fsmn_lorder", FsmnLorder, 1, 1024);
        double d = OutChannels, hidden = d * ExpansionFactor, f = FsmnInnerChannels;
        ConfigChecks.Size(m, NumBlocks * (d * hidden * 3.0 + d * QueryKeyDim + f * d * 2 + f * f * 6 + f * FsmnLorder * 4)
                             + (double)InChannels * OutChannels * (NumSpks + 3) + (double)InChannels * KernelSize * 2);
        return this;
    }

    /// <summary>The <c>config_name</c> upstream decodes without the mask product (see <see cref="ApplyMask"/>).</summary>
    public const string WhamrConfigName = "mossformer2-whamr-2spk";

    /// <summary>
    /// Reads a config from a JSON object with the ModelScope names. Also accepted: ClearerVoice's wrapper names, and the
    /// <c>config.json</c> of the authors' SpeechBrain-layout repositories (<c>encoder_out_nchannels</c>,
    /// <c>intra_numlayers</c>, <c>masknet_numspks</c>, <c>masknet_norm</c>, <c>masknet_extraskipconnection</c>,
    /// <c>config_name</c>; see <see cref="SpeechBrainLayout"/>). Unknown names are ignored.
    /// </summary>
    /// <exception cref="NotSupportedException">A SpeechBrain-layout option this network does not have (more than one
    /// dual-path layer, the extra linear layer, several input channels).</exception>
    public static MossFormer2Config FromJson(JsonElement json) => ConfigChecks.Deserialize("mossformer2", () => FromJsonCore(json));

    private static MossFormer2Config FromJsonCore(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) return new();
        var c = ConfigChecks.Deserialize("mossformer2", () => json.Deserialize<MossFormer2Config>(MossFormerConfig.JsonOptions)) ?? new();
        int? Int(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.TryGetInt32(out int i) ? i : throw new InvalidDataException($"mossformer2 config: {name} = {v.GetRawText()} is not a 32-bit integer.")
            : null;
        bool? Bool(string name) => json.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
        string? Str(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (Int("encoder_embedding_dim") is { } e) c = c with { InChannels = e };
        if (Int("mossformer_sequence_dim") is { } m) c = c with { OutChannels = m };
        if (Int("num_mossformer_layer") is { } l) c = c with { NumBlocks = l };
        if (Int("encoder_kernel_size") is { } k) c = c with { KernelSize = k };
        // The SpeechBrain-layout config.json (alibabasglab/mossformer2-*).
        if (Int("encoder_out_nchannels") is { } n) c = c with { InChannels = n, OutChannels = n };
        if (Int("intra_numlayers") is { } depth) c = c with { NumBlocks = depth };
        if (Int("masknet_numspks") is { } spks) c = c with { NumSpks = spks };
        if (Str("masknet_norm") is { } norm) c = c with { Norm = norm };
        if (Bool("masknet_extraskipconnection") is { } skip) c = c with { SkipAroundIntra = skip };
        if (Int("masknet_numlayers") is { } layers && layers != 1)
            throw new NotSupportedException($"masknet_numlayers = {layers}: MossFormer2 has one dual-path layer (every published model uses 1).");
        if (Bool("masknet_useextralinearlayer") == true)
            throw new NotSupportedException("masknet_useextralinearlayer = true is not supported (no published model uses it).");
        if (Int("encoder_in_nchannels") is { } inCh && inCh != 1)
            throw new NotSupportedException($"encoder_in_nchannels = {inCh}: only mono input (1) is supported.");
        if (!json.TryGetProperty("apply_mask", out _))
        {
            if (Str("config_name") == WhamrConfigName) c = c with { ApplyMask = false };
            if (Bool("skip_mask_multiplication") is { } skipMask) c = c with { ApplyMask = !skipMask };
        }
        return c;
    }
}
