using System.Text.Json;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training;

namespace SpeechSeparation.Families;

/// <summary>
/// MossFormer2 (ModelScope <c>damo/speech_mossformer2_separation_temporal_8k</c>, ClearerVoice-Studio's
/// <c>MossFormer2_SS_16K</c>, the authors' SpeechBrain layout, and this library's default model):
/// <see cref="MossFormer2Separator"/>.
/// </summary>
public sealed class MossFormer2Family : ModelFamily
{
    /// <summary>The architecture name.</summary>
    public const string ArchitectureName = "mossformer2";

    /// <summary>ClearerVoice-Studio's model name: MossFormer2 at 16 kHz.</summary>
    public const string ClearerVoice16kName = "MossFormer2_SS_16K";

    /// <inheritdoc />
    public override string Name => ArchitectureName;

    /// <inheritdoc />
    public override IReadOnlyList<string> Aliases => [ClearerVoice16kName];

    /// <summary>The network for a configuration (<see cref="MossFormer2Config.FromJson"/>; absent values: the published model).</summary>
    public static MossFormer2Separator Create(JsonElement config) => new(MossFormer2Config.FromJson(config));

    /// <inheritdoc />
    public override torch.nn.Module CreateModule(JsonElement config) => Create(config);

    /// <summary>
    /// Weights in the ModelScope/ClearerVoice names or in the authors' SpeechBrain layout (detected by its keys and
    /// renamed); a configuration without values takes the widths from the weights. <see cref="ClearerVoice16kName"/>
    /// defaults to 16 kHz.
    /// </summary>
    public override ISeparationNetwork CreateNetwork(NetworkSpec spec)
    {
        if (spec.Architecture.Equals(ClearerVoice16kName, StringComparison.OrdinalIgnoreCase)) spec = spec with { SampleRate = spec.SampleRate ?? 16000 };
        bool speechBrain = SpeechBrainLayout.Matches(spec.Weights.Keys);
        if (speechBrain) spec = spec with { Weights = SpeechBrainLayout.Canonical(spec.Weights) };
        var config = MossFormer2Config.FromJson(spec.Config);
        if (spec.ConfigIsEmpty && spec.Weights.ContainsKey("enc.conv1d.weight") && spec.Weights.ContainsKey("mask_net.conv1d_out.weight"))
            config = SpeechBrainLayout.InferConfig(spec.Weights) with { SampleRate = config.SampleRate };
        if (spec.SampleRate is { } rate) config = config with { SampleRate = rate };
        var model = new MossFormer2Separator(config);
        try
        {
            // Upstream returns [B, T, S]; the public API wants [B, S, T].
            return new ModuleNetwork(Name, model, spec, config.NumSpks, x => model.forward(x).permute(0, 2, 1).contiguous(), config.SampleRate);
        }
        catch (StateDictMismatchException e) when (speechBrain)
        {
            throw SpeechBrainLayout.Translate(e);
        }
    }

    /// <inheritdoc />
    public override TrainableModel CreateForTraining(JsonElement config)
    {
        var m = Create(config);
        return new TrainableModel(m, x => m.forward(x), new PitSiSnrObjective(x => m.forward(x)), m.Config.NumSpks);
    }
}
