namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// Hyper-parameters of FRCRN with ModelScope's names (<c>FRCRN(complex, model_complexity, model_depth, log_amp,
/// padding_mode, win_len, win_inc, fft_len, win_type)</c>), plus <see cref="Width"/>, the U-Net width that upstream
/// hard-codes to 128 (the reference fixtures rebuild the network at smaller widths; key names do not change).
/// </summary>
/// <param name="Complex">Complex U-Nets (the only variant that exists upstream).</param>
/// <param name="ModelComplexity">Stored for fidelity; no effect at depth 14 (the channel lists are hard-coded).</param>
/// <param name="ModelDepth">U-Net depth; only 14 builds a working network upstream, and only 14 is supported.</param>
/// <param name="LogAmp">Stored for fidelity; unused upstream.</param>
/// <param name="PaddingMode">Encoder Conv2d padding mode; only <c>zeros</c> is supported.</param>
/// <param name="WinLen">STFT window length in samples.</param>
/// <param name="WinInc">STFT hop in samples.</param>
/// <param name="FftLen">FFT size (the U-Net sizes close only for 640 or 641).</param>
/// <param name="WinType">Window name (<c>hann</c>/<c>hanning</c>: periodic Hann, <c>hamming</c>, or <c>None</c>); the STFT uses its square root.</param>
/// <param name="Width">U-Net width (encoder/decoder channels, FSMN sizes, SE width); 128 upstream.</param>
public sealed record FrcrnConfig(
    bool Complex = true,
    int ModelComplexity = 45,
    int ModelDepth = 14,
    bool LogAmp = false,
    string PaddingMode = "zeros",
    int WinLen = 640,
    int WinInc = 320,
    int FftLen = 640,
    string? WinType = "hann",
    int Width = 128)
{
    /// <summary>
    /// ModelScope <c>damo/speech_frcrn_ans_cirm_16k</c> / ClearerVoice <c>FRCRN_SE_16K</c>: 640/320/640, periodic Hann
    /// (the model card says <c>hanning</c>, the old SciPy alias), depth 14, 13,963,604 parameters.
    /// </summary>
    public static FrcrnConfig Published { get; } = new();

    /// <summary>
    /// Reads ModelScope's names (<c>model_complexity</c>, <c>model_depth</c>, <c>win_len</c>, <c>win_inc</c>, <c>fft_len</c>,
    /// <c>win_type</c>) and <c>width</c> (or
    /// <c>tiny_width</c>, as the reference fixtures name it), the keys a <c>frcrn</c> library package's config holds;
    /// absent entries take <see cref="Published"/>'s values. Throws for a configuration that cannot build a network.
    /// </summary>
    public static FrcrnConfig FromJson(System.Text.Json.JsonElement hyper)
    {
        var p = Published;
        string? winType = hyper.ValueKind == System.Text.Json.JsonValueKind.Object && hyper.TryGetProperty("win_type", out var w)
            && w.ValueKind == System.Text.Json.JsonValueKind.String ? w.GetString() : p.WinType;
        var c = new FrcrnConfig(ModelComplexity: Hourglass.JsonHyper.Int(hyper, "model_complexity", p.ModelComplexity),
            ModelDepth: Hourglass.JsonHyper.Int(hyper, "model_depth", p.ModelDepth),
            WinLen: Hourglass.JsonHyper.Int(hyper, "win_len", p.WinLen), WinInc: Hourglass.JsonHyper.Int(hyper, "win_inc", p.WinInc),
            FftLen: Hourglass.JsonHyper.Int(hyper, "fft_len", p.FftLen), WinType: winType,
            Width: Hourglass.JsonHyper.Int(hyper, "width", Hourglass.JsonHyper.Int(hyper, "tiny_width", p.Width)));
        try { c.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException("frcrn config: " + e.Message, e); }
        return c;
    }

    /// <summary>Number of frequency bins, <c>fft_len/2 + 1</c>.</summary>
    public int FrequencyBins => FftLen / 2 + 1;

    /// <summary>Sample rate of the published model and its pipeline.</summary>
    public const int SampleRate = 16000;

    internal void Validate()
    {
        if (!Complex) throw new NotSupportedException("FRCRN: only the complex U-Net exists upstream (complex=True).");
        if (ModelDepth != 14) throw new NotSupportedException($"FRCRN: model_depth={ModelDepth} does not build a working network upstream; only 14 is supported.");
        if (PaddingMode != "zeros") throw new NotSupportedException($"FRCRN: padding_mode '{PaddingMode}' is not supported (only 'zeros').");
        if (FrequencyBins != 321) throw new ArgumentException($"FRCRN: the depth-14 U-Net needs fft_len 640 or 641 (321 bins), got fft_len={FftLen}.");
        if (WinLen > FftLen || WinLen <= 0 || WinInc <= 0) throw new ArgumentException($"FRCRN: need 0 < win_len <= fft_len and win_inc > 0 (got {WinLen}/{WinInc}/{FftLen}).");
        if (Width < 8 || Width % 8 != 0) throw new ArgumentException($"FRCRN: width must be a positive multiple of 8 (SE reduction 8), got {Width}.");
        if (Width > 1024) throw new ArgumentException($"FRCRN: width {Width} is too large to build from a configuration file (published: 128).");
    }
}
