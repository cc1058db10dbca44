using System.Text.Json;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation;

/// <summary>
/// ClearerVoice-Studio's MossFormer2_SE_48K as a one-output <see cref="ISeparationNetwork"/> at 48 kHz, for
/// <see cref="Enhancer.Load"/>: each window handed over by <see cref="NetworkSeparator"/> is enhanced in one pass by
/// <see cref="MossFormer2SeEnhancer"/> (Kaldi features, mask network, STFT masking); built by
/// <see cref="Families.MossFormer2SeFamily"/>. In bfloat16 precision only the mask network runs in bfloat16 (features and
/// the STFT path stay in double/float32).
/// </summary>
internal sealed class MossFormer2SeNetwork : ISeparationNetwork
{
    private readonly MossFormer2Se _model;
    private readonly MossFormer2SeEnhancer _enhancer;

    /// <summary>Wraps a loaded, placed model (<see cref="Families.MossFormer2SeFamily.CreateNetwork"/> builds it).</summary>
    internal MossFormer2SeNetwork(MossFormer2Se model, Device device)
    {
        _model = model;
        _enhancer = new MossFormer2SeEnhancer(model);
        Device = device;
    }

    public string Architecture => Families.MossFormer2SeFamily.ArchitectureName;
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
