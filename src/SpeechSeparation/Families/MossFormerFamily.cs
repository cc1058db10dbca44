using System.Text.Json;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training;

namespace SpeechSeparation.Families;

/// <summary>MossFormer (ModelScope <c>damo/speech_mossformer_separation_temporal_8k</c>): <see cref="MossFormerSeparator"/>.</summary>
public sealed class MossFormerFamily : ModelFamily
{
    /// <summary>The architecture name.</summary>
    public const string ArchitectureName = "mossformer";

    /// <inheritdoc />
    public override string Name => ArchitectureName;

    /// <summary>The network for a configuration (<see cref="MossFormerConfig.FromJson"/>; absent values: the published model).</summary>
    public static MossFormerSeparator Create(JsonElement config) => new(MossFormerConfig.FromJson(config));

    /// <inheritdoc />
    public override torch.nn.Module CreateModule(JsonElement config) => Create(config);

    /// <inheritdoc />
    public override ISeparationNetwork CreateNetwork(NetworkSpec spec)
    {
        var model = Create(spec.Config);
        // Upstream returns [B, T, S]; the public API wants [B, S, T].
        return new ModuleNetwork(Name, model, spec, model.Config.NumSpks, x => model.forward(x).permute(0, 2, 1).contiguous(), model.Config.SampleRate);
    }

    /// <inheritdoc />
    public override TrainableModel CreateForTraining(JsonElement config)
    {
        var m = Create(config);
        return new TrainableModel(m, x => m.forward(x), new PitSiSnrObjective(x => m.forward(x)), m.Config.NumSpks);
    }
}
