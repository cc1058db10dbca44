using System.Text.Json;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Families;

/// <summary>ClearerVoice-Studio's MossFormer2_SE_48K speech enhancer: <see cref="MossFormer2Se"/> (inference only here).</summary>
public sealed class MossFormer2SeFamily : ModelFamily
{
    /// <summary>The architecture name.</summary>
    public const string ArchitectureName = "mossformer2_se";

    /// <summary>ClearerVoice-Studio's model name.</summary>
    public const string ClearerVoiceName = "MossFormer2_SE_48K";

    /// <inheritdoc />
    public override string Name => ArchitectureName;

    /// <inheritdoc />
    public override IReadOnlyList<string> Aliases => [ClearerVoiceName];

    /// <inheritdoc />
    public override bool Trainable => false;

    /// <inheritdoc />
    public override int DefaultSampleRate => 48000;

    /// <summary>The network for a configuration (<see cref="MossFormer2SeConfig.FromJson"/>; absent values: the published model).</summary>
    public static MossFormer2Se Create(JsonElement config) => Create(MossFormer2SeConfig.FromJson(config));

    /// <inheritdoc />
    public override torch.nn.Module CreateModule(JsonElement config) => Create(config);

    /// <summary>
    /// Weights load strictly (<c>mossformer.*</c>, a <c>module.</c> prefix removed); with no configuration the widths come
    /// from the weights. In bfloat16 only the mask network converts (<see cref="MossFormer2SeNetwork"/>).
    /// </summary>
    public override ISeparationNetwork CreateNetwork(NetworkSpec spec)
    {
        var weights = MossFormer2Se.NormalizeKeys(spec.Weights);
        var config = spec.ConfigIsEmpty && weights.ContainsKey("mossformer.conv1d_encoder.weight")
            ? MossFormer2Se.InferConfig(weights)
            : MossFormer2SeConfig.FromJson(spec.Config);
        if (spec.SampleRate is { } rate) config = config with { SampleRate = rate };
        var model = Create(config);
        try
        {
            model.LoadStateDict(weights, strict: true);
            model.eval();
            model.to(spec.Device);
            if (spec.Precision != Precision.Float32) model.to(spec.ScalarType);
            return new MossFormer2SeNetwork(model, spec.Device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static MossFormer2Se Create(MossFormer2SeConfig config)
    {
        config.Validate();
        return new MossFormer2Se(config);
    }
}
