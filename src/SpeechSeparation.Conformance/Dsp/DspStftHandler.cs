using System.Text.Json;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Conformance.Dsp;

/// <summary>
/// <c>kind: dsp-stft</c> (torch.stft/istft or librosa.stft/istft, chosen by <c>upstream.repo</c>): forward STFT of
/// <c>x</c> against <c>stft_real</c>/<c>stft_imag</c> <c>[bins, frames]</c>; inverse of the expected spectrogram
/// (<c>istft_roundtrip</c>), of it times <c>mask</c> (and <c>exp(i·phase_shift)</c> when given) (<c>istft_modified</c>,
/// <c>istft_masked</c>), each with <c>length</c> = the expected output's length. Computed in double precision.
/// </summary>
internal sealed class DspStftHandler : IFixtureHandler
{
    public string Name => "dsp-stft";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "dsp-stft";

    internal static Stft Create(Fixture fixture)
    {
        var p = fixture.Hyper;
        bool librosa = IsLibrosa(fixture);
        int nFft = p.GetProperty("n_fft").GetInt32();
        int win = DspConfig.Int(p, "resolved_win_length") ?? DspConfig.Int(p, "win_length") ?? nFft;
        int hop = DspConfig.Int(p, "resolved_hop_length") ?? DspConfig.Int(p, "hop_length") ?? (librosa ? win / 4 : nFft / 4);
        bool center = DspConfig.Bool(p, "center") ?? true;
        var padMode = DspConfig.String(p, "pad_mode") switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "replicate" or "edge" => PadMode.Replicate,
            "circular" or "wrap" => PadMode.Circular,
            null => librosa ? PadMode.Constant : PadMode.Reflect,
            var other => throw new NotSupportedException($"pad_mode '{other}' is not supported."),
        };
        double[] window = p.TryGetProperty("window", out var w) && w.ValueKind == JsonValueKind.String
            ? DspConfig.Window(w.GetString()!, win)
            : librosa ? Signal.Window.Hann(win) : Signal.Window.Rectangular(win);
        if (p.TryGetProperty("window_file", out var wf) && wf.ValueKind == JsonValueKind.String)
            window = fixture.Npy(wf.GetString()!).ToDoubleArray();
        if (DspConfig.Bool(p, "onesided") == false) throw new NotSupportedException("Only one-sided STFTs are supported.");
        bool normalized = DspConfig.Bool(p, "normalized") ?? false;
        return new Stft(nFft, hop, win, window, center, padMode, normalized, librosa ? IstftEnvelope.Librosa : IstftEnvelope.Torch);
    }

    private static bool IsLibrosa(Fixture fixture) =>
        fixture.Config.TryGetProperty("upstream", out var u) && u.ValueKind == JsonValueKind.Object &&
        (DspConfig.String(u, "repo") ?? "").Contains("librosa", StringComparison.OrdinalIgnoreCase);

    public void Run(Fixture fixture, FixtureReport report)
    {
        var stft = Create(fixture);
        var x = fixture.Array("inputs", "x").ToDoubleArray();
        var outputs = fixture.Names("outputs");
        Spectrogram<double>? expected = null;
        if (outputs.Contains("stft_real") && outputs.Contains("stft_imag"))
        {
            var reT = fixture.Array("outputs", "stft_real");
            var re = reT.ToDoubleArray();
            var im = fixture.Array("outputs", "stft_imag").ToDoubleArray();
            int frames = (int)reT.Shape[^1];
            expected = new Spectrogram<double>(re, im, stft.Bins, frames);
            try
            {
                var s = stft.Forward(x);
                report.Compare("stft_real", s.Real, re, fixture.ToleranceFor("stft_real"));
                report.Compare("stft_imag", s.Imag, im, fixture.ToleranceFor("stft_imag"));
            }
            catch (ArgumentException e)
            {
                report.Fail("stft", $"{e.GetType().Name}: {e.Message}");
            }
        }
        if (expected is null) return;
        var inputs = fixture.Names("inputs");
        double[]? mask = inputs.Contains("mask") ? fixture.Array("inputs", "mask").ToDoubleArray() : null;
        double[]? shift = inputs.Contains("phase_shift") ? fixture.Array("inputs", "phase_shift").ToDoubleArray() : null;
        foreach (var name in outputs)
        {
            if (!name.StartsWith("istft", StringComparison.Ordinal)) continue;
            var exp = fixture.Array("outputs", name).ToDoubleArray();
            var spec = expected;
            if (name != "istft_roundtrip")
            {
                spec = new Spectrogram<double>(expected.Bins, expected.Frames);
                for (int i = 0; i < spec.Real.Length; i++)
                {
                    double a = expected.Real[i], b = expected.Imag[i];
                    if (mask is not null) { a *= mask[i]; b *= mask[i]; }
                    if (shift is not null && name != "istft_masked")
                    {
                        double c = Math.Cos(shift[i]), s = Math.Sin(shift[i]);
                        (a, b) = (a * c - b * s, a * s + b * c);
                    }
                    spec.Real[i] = a;
                    spec.Imag[i] = b;
                }
            }
            try
            {
                report.Compare(name, stft.Inverse(spec, exp.Length), exp, fixture.ToleranceFor(name));
            }
            catch (ArgumentException e)
            {
                report.Fail(name, $"{e.GetType().Name}: {e.Message}");
            }
        }
    }
}
