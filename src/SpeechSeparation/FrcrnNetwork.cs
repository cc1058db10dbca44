using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;
using FrcrnModel = SpeechSeparation.Models.Frcrn.Frcrn;

namespace SpeechSeparation;

/// <summary>
/// FRCRN (ModelScope <c>damo/speech_frcrn_ans_cirm_16k</c>, ClearerVoice <c>FRCRN_SE_16K</c>) as a one-output
/// <see cref="ISeparationNetwork"/> at 16 kHz, for <see cref="Enhancer.Load"/>. Checkpoints load with
/// <see cref="FrcrnCheckpoint"/>'s explicit alias resolution (either of a U-Net module's two key names; missing STFT
/// kernels rebuilt from their formulas), never partially. In bfloat16 precision only the two U-Nets run in bfloat16.
/// </summary>
internal sealed class FrcrnNetwork : ISeparationNetwork
{
    public const string Name = "frcrn";
    private readonly FrcrnModel _model;

    private FrcrnNetwork(FrcrnModel model, Device device)
    {
        _model = model;
        Device = device;
    }

    public static ISeparationNetwork Create(NetworkSpec spec)
    {
        var h = spec.Config;
        string? Str(string n) => h.ValueKind == System.Text.Json.JsonValueKind.Object && h.TryGetProperty(n, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
        var config = new FrcrnConfig(WinLen: spec.Int("win_len", 640), WinInc: spec.Int("win_inc", 320), FftLen: spec.Int("fft_len", 640),
            WinType: Str("win_type") ?? "hann", Width: spec.Int("width", spec.Int("tiny_width", 128)));
        var model = new FrcrnModel(config);
        try
        {
            FrcrnCheckpoint.Load(model, spec.Weights);
            model.eval();
            model.to(spec.Device);
            if (spec.Precision != Precision.Float32)
            {
                // The U-Nets only: the STFT kernels and the complex mask product stay in float32.
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

    public string Architecture => Name;
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
