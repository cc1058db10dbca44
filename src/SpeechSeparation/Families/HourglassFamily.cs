using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training;

namespace SpeechSeparation.Families;

/// <summary>
/// The stacked hourglass music separator (Park et al. 2018): the mask network <see cref="StackedHourglassNet"/> (or
/// <see cref="ZyfStackedHourglassNet"/> for <c>"variant": "zyf"</c>) inside <see cref="HourglassSeparator"/>'s STFT
/// masking; trained with <see cref="StackedHourglassObjective"/>. Package config: <see cref="HourglassNetwork"/>.
/// </summary>
public sealed class HourglassFamily : ModelFamily
{
    /// <summary>The architecture name.</summary>
    public const string ArchitectureName = "hourglass";

    /// <inheritdoc />
    public override string Name => ArchitectureName;

    /// <summary>
    /// The mask network a package config describes (randomly initialised): <see cref="ZyfStackedHourglassNet"/> for
    /// <c>"variant": "zyf"</c>, else <see cref="StackedHourglassNet"/>; with its number of output stems.
    /// </summary>
    public static (torch.nn.Module<Tensor, Tensor> Network, int Sources) CreateMaskNetwork(JsonElement config)
    {
        if (config.ValueKind == JsonValueKind.Object && config.TryGetProperty("variant", out var v) && v.ValueKind == JsonValueKind.String
            && string.Equals(v.GetString(), "zyf", StringComparison.OrdinalIgnoreCase))
        {
            var c = ZyfHourglassConfig.FromJson(config);
            return (new ZyfStackedHourglassNet(c), c.OutputChannels);
        }
        var paper = HourglassConfig.FromJson(config);
        return (new StackedHourglassNet(paper), paper.NumSources);
    }

    /// <inheritdoc />
    public override torch.nn.Module CreateModule(JsonElement config) => CreateMaskNetwork(config).Network;

    /// <inheritdoc />
    public override ISeparationNetwork CreateNetwork(NetworkSpec spec) => new HourglassNetwork(spec);

    /// <summary>The training configuration with every hyper-parameter of the trained network written out.</summary>
    public override JsonObject PackageConfig(JsonElement config, torch.nn.Module module)
    {
        var cfg = base.PackageConfig(config, module);
        var written = module switch
        {
            StackedHourglassNet hg => HourglassNetwork.PackageConfig(hg.Config),
            ZyfStackedHourglassNet zyf => HourglassNetwork.PackageConfig(zyf.Config),
            _ => throw new ArgumentException($"Not a hourglass network: {module.GetType().Name}.", nameof(module)),
        };
        foreach (var (k, v) in written) cfg[k] = v?.DeepClone();
        return cfg;
    }

    /// <inheritdoc />
    public override TrainableModel CreateForTraining(JsonElement config)
    {
        var (m, sources) = CreateMaskNetwork(config);
        var separator = new HourglassSeparator(m);
        Tensor Estimate(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            return separator.Separate(x).permute(0, 2, 1).MoveToOuterDisposeScope();   // [B, T, S]
        }
        return new TrainableModel(m, Estimate, new StackedHourglassObjective(m), sources);
    }
}
