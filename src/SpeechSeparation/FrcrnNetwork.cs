using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;
using FrcrnModel = SpeechSeparation.Models.Frcrn.Frcrn;

namespace SpeechSeparation;

/// <summary>
/// FRCRN (ModelScope <c>damo/speech_frcrn_ans_cirm_16k</c>, ClearerVoice <c>FRCRN_SE_16K</c>) as a one-output
/// <see cref="ISeparationNetwork"/> at 16 kHz, for <see cref="Enhancer.Load"/>; built by <see cref="Families.FrcrnFamily"/>.
/// </summary>
internal sealed class FrcrnNetwork : ISeparationNetwork
{
    private readonly FrcrnModel _model;

    /// <summary>Wraps a loaded, placed model (<see cref="Families.FrcrnFamily.CreateNetwork"/> builds it).</summary>
    internal FrcrnNetwork(FrcrnModel model, Device device)
    {
        _model = model;
        Device = device;
    }

    public string Architecture => Families.FrcrnFamily.ArchitectureName;
    public int SampleRate => FrcrnConfig.SampleRate;
    public IReadOnlyList<string> SourceNames { get; } = ["enhanced"];
    public long ParameterCount => _model.ParameterCount();
    public Device Device { get; }
    public bool OutputOrderIsArbitrary => false;

    public Tensor Separate(Tensor mixtures)
    {
        using var scope = torch.NewDisposeScope();
        var y = _model.Enhance(mixtures);                          // [B, (T'-1)·hop + win] ≥ T
        long t = mixtures.size(1), n = y.size(1);
        var fitted = n >= t ? y.narrow(1, 0, t) : torch.nn.functional.pad(y, [0, t - n]);
        return fitted.unsqueeze(1).contiguous().MoveToOuterDisposeScope(); // [B, 1, T]
    }

    public void Dispose() => _model.Dispose();
}
