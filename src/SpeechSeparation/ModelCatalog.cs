namespace SpeechSeparation;

/// <summary>Task of a catalogued model.</summary>
public enum ModelTask
{
    /// <summary>Speech separation (several speakers out of one mixture).</summary>
    SpeechSeparation,
    /// <summary>Speech enhancement (noise removal).</summary>
    SpeechEnhancement,
    /// <summary>Music source separation (vocals / accompaniment).</summary>
    MusicSeparation,
}

/// <summary>A published model the library knows how to load.</summary>
/// <param name="Id">Catalogue id (the publisher's id where there is one).</param>
/// <param name="Task">What it does.</param>
/// <param name="Architecture">Architecture name used by <see cref="Architectures"/>.</param>
/// <param name="SampleRate">Native sample rate.</param>
/// <param name="Outputs">Output count (speakers or stems).</param>
/// <param name="Parameters">Parameter count of the published configuration (0 when not fixed).</param>
/// <param name="PublishedScores">Scores as published by the authors (quoted, not re-measured), or null when the specs give none.</param>
/// <param name="WeightsAt">Where the weights are published and which files to fetch.</param>
/// <param name="Layout">The folder layout <see cref="Separator.Load(string, SeparatorOptions?)"/> expects.</param>
public sealed record CatalogEntry(string Id, ModelTask Task, string Architecture, int SampleRate, int Outputs, long Parameters, string? PublishedScores, string WeightsAt, string Layout)
{
    /// <summary>The weights' licence as the publisher states it, or null where the sources seen do not say.</summary>
    public string? License { get; init; }

    /// <summary>The hub repositories holding these weights (<c>hf:ORG/NAME</c>, <c>modelscope:ORG/NAME</c>): what
    /// <see cref="Separator.Load(string, SeparatorOptions?)"/> and <c>speechsep download</c> accept for it.</summary>
    public IReadOnlyList<string> HubIds { get; init; } = [];

    /// <summary>The architecture to load a hub download with when its files do not tell (ClearerVoice's FRCRN checkpoint),
    /// or null when they do.</summary>
    public string? LoadArchitecture { get; init; }
}

/// <summary>The known models: the embedded default model, and the published ones (their weights are not bundled: fetch
/// them from where <see cref="CatalogEntry.WeightsAt"/> says).</summary>
public static class ModelCatalog
{
    private const string SpeechBrainLayoutText =
        "SpeechBrain-layout folder: config.json with encoder.ckpt/masknet.ckpt/decoder.ckpt or pytorch_model.bin (detected by its keys)";

    /// <summary>Every entry.</summary>
    public static IReadOnlyList<CatalogEntry> All { get; } =
    [
        new(DefaultModel.Id, ModelTask.SpeechSeparation, "mossformer2", 8000, 2, 507_746,
            null, "embedded in the SpeechSeparation assembly (Separator.Load() without a path); trained by this library, see docs/models/default-mossformer2-8k.md",
            "embedded; DefaultModel.Export(dir) writes a library package"),
        new("damo/speech_mossformer_separation_temporal_8k", ModelTask.SpeechSeparation, "mossformer", 8000, 2, 42_101_850,
            null, "ModelScope model damo/speech_mossformer_separation_temporal_8k (also iic/...)",
            "model folder with configuration.json and encoder.bin, decoder.bin, masknet.bin") { HubIds = ["modelscope:damo/speech_mossformer_separation_temporal_8k"] },
        new("damo/speech_mossformer2_separation_temporal_8k", ModelTask.SpeechSeparation, "mossformer2", 8000, 2, 55_735_410,
            null, "ModelScope model damo/speech_mossformer2_separation_temporal_8k",
            "model folder with configuration.json and pytorch_model.bin") { HubIds = ["modelscope:damo/speech_mossformer2_separation_temporal_8k"] },
        new("clearervoice/MossFormer2_SS_16K", ModelTask.SpeechSeparation, "mossformer2", 16000, 2, 55_735_410,
            null, "Hugging Face alibabasglab/MossFormer2_SS_16K (ClearerVoice-Studio checkpoints/MossFormer2_SS_16K)",
            "last_best_checkpoint.pt (weights under 'model', optional 'module.' prefix)") { HubIds = ["hf:alibabasglab/MossFormer2_SS_16K"] },
        new("alibabasglab/mossformer2-wsj0mix-3spk", ModelTask.SpeechSeparation, "mossformer2", 8000, 3, 55_998_066,
            null, "Hugging Face alibabasglab/mossformer2-wsj0mix-3spk (trained on WSJ0-3mix): config.json, encoder.ckpt, masknet.ckpt, decoder.ckpt",
            SpeechBrainLayoutText) { License = "apache-2.0", HubIds = ["hf:alibabasglab/mossformer2-wsj0mix-3spk"] },
        new("alibabasglab/mossformer2-librimix-2spk", ModelTask.SpeechSeparation, "mossformer2", 8000, 2, 55_735_410,
            null, "Hugging Face alibabasglab/mossformer2-librimix-2spk (trained on Libri2Mix): config.json, encoder.ckpt, masknet.ckpt, decoder.ckpt",
            SpeechBrainLayoutText) { HubIds = ["hf:alibabasglab/mossformer2-librimix-2spk"] },
        new("alibabasglab/mossformer2-whamr-2spk", ModelTask.SpeechSeparation, "mossformer2", 8000, 2, 55_735_410,
            null, "Hugging Face alibabasglab/mossformer2-whamr-2spk (trained on noisy, reverberant WHAMR!): config.json, encoder.ckpt, masknet.ckpt, decoder.ckpt",
            SpeechBrainLayoutText + "; decodes the mask net's output directly (apply_mask false, set from config_name)") { License = "mit", HubIds = ["hf:alibabasglab/mossformer2-whamr-2spk"] },
        new("damo/speech_frcrn_ans_cirm_16k", ModelTask.SpeechEnhancement, "frcrn", 16000, 1, 13_963_604,
            null, "ModelScope model damo/speech_frcrn_ans_cirm_16k",
            "model folder with configuration.json and pytorch_model.bin") { HubIds = ["modelscope:damo/speech_frcrn_ans_cirm_16k"] },
        new("clearervoice/FRCRN_SE_16K", ModelTask.SpeechEnhancement, "frcrn", 16000, 1, 13_963_604,
            null, "Hugging Face alibabasglab/FRCRN_SE_16K (ClearerVoice-Studio checkpoints/FRCRN_SE_16K)", "last_best_checkpoint.pt (loaded as frcrn)")
            { HubIds = ["hf:alibabasglab/FRCRN_SE_16K"], LoadArchitecture = "frcrn" },
        new("clearervoice/MossFormer2_SE_48K", ModelTask.SpeechEnhancement, "mossformer2_se", 48000, 1, 55_262_170,
            "VoiceBank+DEMAND 48 kHz (authors): PESQ 3.15 (noisy 1.97), NB-PESQ 3.77, STOI 0.95, SI-SDR 19.36 dB (noisy 8.39), CSIG/CBAK/COVL 4.23/3.33/3.64",
            "Hugging Face alibabasglab/MossFormer2_SE_48K (ClearerVoice-Studio checkpoints/MossFormer2_SE_48K): last_best_checkpoint.pt (221,552,019 bytes)",
            "ClearerVoice checkpoint folder (last_best_checkpoint naming last_best_checkpoint.pt) or that file; weights under 'model', keys mossformer.* (optional 'module.' prefix)")
            { License = "apache-2.0", HubIds = ["hf:alibabasglab/MossFormer2_SE_48K"] },
        new("park2018/stacked-hourglass-mir1k", ModelTask.MusicSeparation, "hourglass", 8000, 2, 0,
            "MIR-1K (paper): vocals GNSDR 10.51 / GSIR 16.01 / GSAR 12.53 dB; accompaniment GNSDR 9.88 / GSIR 14.24 / GSAR 12.36 dB",
            "no official weights; train with speechsep train", "library package (speechsep.json + model.safetensors)"),
        new("speechbrain-tutorial/simpleseparator", ModelTask.SpeechSeparation, "sb_simpleseparator", 8000, 2, 0,
            null, "no published weights (tutorial baseline); train with the library", "library package or bare .pt with --arch"),
        new("speechbrain-tutorial/audioseparator", ModelTask.SpeechSeparation, "sb_audioseparator", 8000, 2, 0,
            null, "no published weights (tutorial baseline); train with the library", "library package or bare .pt with --arch"),
    ];

    /// <summary>The entry with this id (case-insensitive), or null.</summary>
    public static CatalogEntry? Find(string id) => All.FirstOrDefault(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The entry publishing <paramref name="id"/> (hub and repository compared case-insensitively, revision
    /// ignored), or null. <c>hf:</c> and <c>modelscope:</c> ids are never mapped onto each other: the damo models are on
    /// ModelScope only.</summary>
    public static CatalogEntry? FindByHubId(Hub.HubModelId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var key = (id with { Revision = null }).ToString();
        return All.FirstOrDefault(e => e.HubIds.Any(h => string.Equals(h, key, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The entry publishing the hub id <paramref name="id"/>, or null (also for text that is not a hub id).</summary>
    public static CatalogEntry? FindByHubId(string id) => Hub.HubModelId.TryParse(id, out var parsed) ? FindByHubId(parsed!) : null;
}
