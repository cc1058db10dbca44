using System.Text.Json;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation;

/// <summary>
/// ClearerVoice-Studio's MossFormer2_SE_48K as a one-output <see cref="ISeparationNetwork"/> at 48 kHz, for
/// <see cref="Enhancer.Load"/>: each window handed over by <see cref="NetworkSeparator"/> is enhanced in one pass by
/// <see cref="MossFormer2SeEnhancer"/> (Kaldi features, mask network, STFT masking). Weights load strictly
/// (<c>mossformer.*</c>, a <c>module.</c> prefix removed); with no configuration the widths come from the weights. In
/// bfloat16 precision only the mask network runs in bfloat16 (features and the STFT path stay in double/float32).
/// </summary>
internal sealed class MossFormer2SeNetwork : ISeparationNetwork
{
    public const string Name = "mossformer2_se";
    public const string ClearerVoiceName = "MossFormer2_SE_48K";

    private readonly MossFormer2Se _model;
    private readonly MossFormer2SeEnhancer _enhancer;

    private MossFormer2SeNetwork(MossFormer2Se model, Device device)
    {
        _model = model;
        _enhancer = new MossFormer2SeEnhancer(model);
        Device = device;
    }

    public static ISeparationNetwork Create(NetworkSpec spec)
    {
        var weights = MossFormer2Se.NormalizeKeys(spec.Weights);
        bool noConfig = spec.Config.ValueKind != JsonValueKind.Object || !spec.Config.EnumerateObject().Any();
        var config = noConfig && weights.ContainsKey("mossformer.conv1d_encoder.weight")
            ? MossFormer2Se.InferConfig(weights)
            : MossFormer2SeConfig.FromJson(spec.Config);
        if (spec.SampleRate is { } rate) config = config with { SampleRate = rate };
        config.Validate();
        var model = new MossFormer2Se(config);
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

    public string Architecture => Name;
    public int SampleRate => _model.Config.SampleRate;
    public IReadOnlyList<string> SourceNames { get; } = ["enhanced"];
    public long ParameterCount => _model.ParameterCount();
    public Device Device { get; }
    public bool OutputOrderIsArbitrary => false;

    /// <summary>The network and its signal path (for the upstream replay, <see cref="ClearerVoiceSePipeline"/>).</summary>
    public MossFormer2SeEnhancer Enhancer => _enhancer;

    public Tensor Separate(Tensor mixtures)
    {
        using var scope = torch.NewDisposeScope();
        return _enhancer.Enhance(mixtures).unsqueeze(1).MoveToOuterDisposeScope(); // [B, 1, T]
    }

    public void Dispose() => _model.Dispose();
}
