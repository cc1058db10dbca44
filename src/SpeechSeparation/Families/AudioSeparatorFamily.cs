using System.Text.Json;
using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Families;

/// <summary>The SpeechBrain tutorial's conv-encoder + BiLSTM baseline: <see cref="AudioSeparator"/> (inference only here).</summary>
public sealed class AudioSeparatorFamily : ModelFamily
{
    /// <summary>The architecture name.</summary>
    public const string ArchitectureName = "sb_audioseparator";

    /// <inheritdoc />
    public override string Name => ArchitectureName;

    /// <inheritdoc />
    public override bool Trainable => false;

    /// <summary>The network for a configuration (<see cref="AudioSeparatorConfig.FromJson"/>).</summary>
    public static AudioSeparator Create(JsonElement config) => new(AudioSeparatorConfig.FromJson(config));

    /// <inheritdoc />
    public override torch.nn.Module CreateModule(JsonElement config) => Create(config);

    /// <inheritdoc />
    public override ISeparationNetwork CreateNetwork(NetworkSpec spec)
    {
        spec.RequireFloat32("its BiLSTM runs in float32 only (the tutorial baselines are not converted)");
        var model = Create(spec.Config);
        return new ModuleNetwork(Name, model, spec, model.Config.NumSources, x =>
        {
            var outs = new List<Tensor>();
            for (long b = 0; b < x.size(0); b++)                                   // upstream works on batch 1
            {
                using var y = model.forward(x.narrow(0, b, 1));                    // sources [S, 1, L]
                outs.Add(SimpleSeparatorFamily.SpeechBrainTimeAxis(y.Sources.permute(1, 0, 2), x.size(1)));
            }
            return torch.cat(outs, 0);                                             // [B, S, T]
        });
    }
}
