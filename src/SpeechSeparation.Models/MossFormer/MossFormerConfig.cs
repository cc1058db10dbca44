using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Hyper-parameters of MossFormer (v1), with the upstream (ModelScope <c>configuration.json</c>) names. In the published
/// model <c>in_channels = out_channels = d_model</c> and <c>stride = kernel_size / 2</c>.
/// </summary>
public sealed record MossFormerConfig
{
    /// <summary>Number of speakers S.</summary>
    [JsonPropertyName("num_spks")] public int NumSpks { get; init; } = 2;
    /// <summary>Encoder/decoder kernel k (the encoder stride is k/2).</summary>
    [JsonPropertyName("kernel_size")] public int KernelSize { get; init; } = 16;
    /// <summary>Decoder stride (must equal k/2 so that the decoder inverts the encoder's framing).</summary>
    [JsonPropertyName("stride")] public int Stride { get; init; } = 8;
    /// <summary>Mask-net input channels (= encoder channels).</summary>
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 512;
    /// <summary>Encoder channels N and mask-net width.</summary>
    [JsonPropertyName("out_channels")] public int OutChannels { get; init; } = 512;
    /// <summary>Width of the attention blocks.</summary>
    [JsonPropertyName("d_model")] public int DModel { get; init; } = 512;
    /// <summary>Decoder bias.</summary>
    [JsonPropertyName("bias")] public bool Bias { get; init; }
    /// <summary>Number of MossFormer blocks.</summary>
    [JsonPropertyName("num_blocks")] public int NumBlocks { get; init; } = 24;
    /// <summary>Chunk length of the quadratic attention.</summary>
    [JsonPropertyName("group_size")] public int GroupSize { get; init; } = 256;
    /// <summary>Query/key width (rotary covers min(32, this)).</summary>
    [JsonPropertyName("query_key_dim")] public int QueryKeyDim { get; init; } = 128;
    /// <summary>Hidden expansion of the attention units.</summary>
    [JsonPropertyName("expansion_factor")] public double ExpansionFactor { get; init; } = 4.0;
    /// <summary>Dropout of the attention units (training only).</summary>
    [JsonPropertyName("attn_dropout")] public double AttnDropout { get; init; } = 0.1;
    /// <summary>Causal attention (must be false: not implemented, not published).</summary>
    [JsonPropertyName("causal")] public bool Causal { get; init; }
    /// <summary>Mask-net normalisation ("ln" = GroupNorm(1, C, eps 1e-8)).</summary>
    [JsonPropertyName("norm")] public string Norm { get; init; } = "ln";
    /// <summary>Sample rate the model was trained for (not a constructor argument upstream).</summary>
    [JsonPropertyName("sample_rate")] public int SampleRate { get; init; } = 8000;

    /// <summary>ModelScope <c>damo/speech_mossformer_separation_temporal_8k</c> (42,101,850 parameters).</summary>
    public static MossFormerConfig ModelScope8k { get; } = new();

    /// <summary>Reads a config from a JSON object with the upstream names (unknown names are ignored).</summary>
    /// <exception cref="InvalidDataException">A value of the wrong JSON type.</exception>
    public static MossFormerConfig FromJson(JsonElement json) => json.ValueKind == JsonValueKind.Object
        ? ConfigChecks.Deserialize("mossformer", () => json.Deserialize<MossFormerConfig>(JsonOptions)) ?? new()
        : new();

    /// <summary>Checks every size against a sane range and the total against <see cref="ConfigChecks.MaxParameters"/>.</summary>
    /// <exception cref="InvalidDataException">The offending field, by name.</exception>
    public MossFormerConfig Validate()
    {
        const string m = "mossformer";
        ConfigChecks.MossFormerFamily(m, NumSpks, KernelSize, InChannels, OutChannels, NumBlocks, GroupSize, QueryKeyDim, ExpansionFactor, AttnDropout, SampleRate);
        ConfigChecks.Range(m, "stride", Stride, 1, 1024);
        ConfigChecks.Range(m, "d_model", DModel, 1, 4096);
        double hidden = DModel * ExpansionFactor;
        ConfigChecks.Size(m, NumBlocks * (DModel * hidden * 3.0 + DModel * QueryKeyDim) + (double)InChannels * OutChannels * (NumSpks + 3) + (double)OutChannels * KernelSize * 2);
        return this;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = JsonNumberHandling.AllowReadingFromString };
}
