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

    /// <summary>ModelScope <c>damo/speech_mossformer2_separation_temporal_8k</c> (55,735,410 parameters).</summary>
    public static MossFormer2Config ModelScope8k { get; } = new();

    /// <summary>ClearerVoice-Studio <c>MossFormer2_SS_16K</c> (same network, 16 kHz).</summary>
    public static MossFormer2Config ClearerVoice16k { get; } = new() { SampleRate = 16000 };

    /// <summary>Reads a config from a JSON object with the ModelScope names (ClearerVoice's wrapper names are accepted
    /// too); unknown names are ignored.</summary>
    public static MossFormer2Config FromJson(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) return new();
        var c = json.Deserialize<MossFormer2Config>(MossFormerConfig.JsonOptions) ?? new();
        int? Int(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        if (Int("encoder_embedding_dim") is { } e) c = c with { InChannels = e };
        if (Int("mossformer_sequence_dim") is { } m) c = c with { OutChannels = m };
        if (Int("num_mossformer_layer") is { } l) c = c with { NumBlocks = l };
        if (Int("encoder_kernel_size") is { } k) c = c with { KernelSize = k };
        return c;
    }
}
