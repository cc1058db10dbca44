using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Serialization;
using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training;
using FrcrnModel = SpeechSeparation.Models.Frcrn.Frcrn;

namespace SpeechSeparation.Families;

/// <summary>
/// FRCRN speech enhancement (ModelScope <c>damo/speech_frcrn_ans_cirm_16k</c>, ClearerVoice <c>FRCRN_SE_16K</c>):
/// <see cref="FrcrnModel"/>, trained with <see cref="FrcrnObjective"/>.
/// </summary>
public sealed class FrcrnFamily : ModelFamily
{
    /// <summary>The architecture name.</summary>
    public const string ArchitectureName = "frcrn";

    /// <summary>ClearerVoice-Studio's model name.</summary>
    public const string ClearerVoiceName = "FRCRN_SE_16K";

    /// <inheritdoc />
    public override string Name => ArchitectureName;

    /// <inheritdoc />
    public override IReadOnlyList<string> Aliases => [ClearerVoiceName];

    /// <inheritdoc />
    public override int DefaultSampleRate => FrcrnConfig.SampleRate;

    /// <summary>The network for a configuration (<see cref="FrcrnConfig.FromJson"/>; absent values: the published model).</summary>
    public static FrcrnModel Create(JsonElement config) => new(FrcrnConfig.FromJson(config));

    /// <inheritdoc />
    public override torch.nn.Module CreateModule(JsonElement config) => Create(config);

    /// <summary>
    /// Checkpoints load with <see cref="FrcrnCheckpoint"/>'s explicit alias resolution (either of a U-Net module's two
    /// key names; missing STFT kernels rebuilt from their formulas), never partially. In bfloat16 only the two U-Nets
    /// convert: the STFT kernels and the complex mask product stay in float32.
    /// </summary>
    public override ISeparationNetwork CreateNetwork(NetworkSpec spec)
    {
        var model = Create(spec.Config);
        try
        {
            FrcrnCheckpoint.Load(model, spec.Weights);
            model.eval();
            model.to(spec.Device);
            if (spec.Precision != Precision.Float32)
            {
                model.Unet.to(spec.ScalarType);
                model.Unet2.to(spec.ScalarType);
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return new FrcrnNetwork(model, spec.Device);
    }

    /// <summary>Either key naming of the published checkpoints (<see cref="FrcrnCheckpoint.Load"/>).</summary>
    public override void LoadWeights(torch.nn.Module module, IReadOnlyDictionary<string, HostTensor> weights) =>
        FrcrnCheckpoint.Load((FrcrnModel)module, weights);

    /// <summary>The training configuration with the STFT and width values written out.</summary>
    public override JsonObject PackageConfig(JsonElement config, torch.nn.Module module)
    {
        var cfg = base.PackageConfig(config, module);
        var c = ((FrcrnModel)module).Config;
        cfg.Remove("tiny_width");
        cfg["win_len"] = c.WinLen;
        cfg["win_inc"] = c.WinInc;
        cfg["fft_len"] = c.FftLen;
        if (c.WinType is not null) cfg["win_type"] = c.WinType;
        cfg["width"] = c.Width;
        return cfg;
    }

    /// <inheritdoc />
    public override TrainableModel CreateForTraining(JsonElement config)
    {
        var m = Create(config);
        Tensor Estimate(Tensor x) => TrainableModel.PadTo(m.Enhance(x).unsqueeze(2), x.size(1));  // [B, (T'−1)·hop + win, 1] → [B, T, 1]
        return new TrainableModel(m, Estimate, new FrcrnObjective(m), 1);
    }
}
