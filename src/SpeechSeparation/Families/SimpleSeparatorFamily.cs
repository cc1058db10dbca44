using System.Text.Json;
using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training;

namespace SpeechSeparation.Families;

/// <summary>The SpeechBrain tutorial's STFT + BiLSTM masking baseline: <see cref="SimpleSeparator"/>.</summary>
public sealed class SimpleSeparatorFamily : ModelFamily
{
    /// <summary>The architecture name.</summary>
    public const string ArchitectureName = "sb_simpleseparator";

    /// <inheritdoc />
    public override string Name => ArchitectureName;

    /// <summary>The network for a configuration (<see cref="SimpleSeparatorConfig.FromJson"/>).</summary>
    public static SimpleSeparator Create(JsonElement config) => new(SimpleSeparatorConfig.FromJson(config));

    /// <inheritdoc />
    public override torch.nn.Module CreateModule(JsonElement config) => Create(config);

    /// <inheritdoc />
    public override ISeparationNetwork CreateNetwork(NetworkSpec spec)
    {
        spec.RequireFloat32("its STFT (libtorch's CPU FFT has no bfloat16 kernel) and BiLSTM run in float32 only");
        var model = Create(spec.Config);
        return new ModuleNetwork(Name, model, spec, model.Config.NumSources, x =>
        {
            using var y = model.forward(x);                                        // sources [S, B, L]
            return SpeechBrainTimeAxis(y.Sources.permute(1, 0, 2), x.size(1));   // [B, S, T]
        });
    }

    /// <inheritdoc />
    public override TrainableModel CreateForTraining(JsonElement config)
    {
        var m = Create(config);
        Tensor Estimate(Tensor x) => TrainableModel.PadTo(m.forward(x).Sources.permute(1, 2, 0), x.size(1));   // [B, T, S]
        return new TrainableModel(m, Estimate, new PitSiSnrObjective(Estimate), m.Config.NumSources);
    }

    /// <summary>Zero-pads or crops the last (time) axis to <paramref name="length"/>, as SpeechBrain's SeparationBrain does.</summary>
    internal static Tensor SpeechBrainTimeAxis(Tensor y, long length)
    {
        long l = y.size(-1);
        return l == length ? y.contiguous() : l < length ? torch.nn.functional.pad(y, [0, length - l]) : y.narrow(-1, 0, length).contiguous();
    }
}
