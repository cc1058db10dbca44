using System.Text.Json;
using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Conformance.Models;

/// <summary>Steps shared by model fixtures: a keys.json manifest, or weights + inputs + outputs.</summary>
internal static class ModelFixtureSteps
{
    public static int Int(JsonElement hyper, string name, int fallback) =>
        hyper.ValueKind == JsonValueKind.Object && hyper.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;

    /// <summary>Checks keys.json when present and reports whether the folder has weights to run.</summary>
    public static bool CheckManifest(Fixture f, FixtureReport report, torch.nn.Module model)
    {
        if (File.Exists(f.PathOf("keys.json"))) ModuleFixture.CompareKeys(report, f, model);
        return File.Exists(ModuleFixture.WeightsPath(f));
    }
}

/// <summary>Fixtures of <c>model: sb_simpleseparator</c> (SpeechBrain tutorial STFT-mask BiLSTM).</summary>
internal sealed class SbSimpleSeparatorHandler : IFixtureHandler
{
    public string Name => "sb_simpleseparator";

    public bool CanHandle(Fixture fixture) => fixture.Model == "sb_simpleseparator";

    public void Run(Fixture f, FixtureReport report)
    {
        var h = f.Hyper;
        using var model = Families.SimpleSeparatorFamily.Create(h);
        if (!ModelFixtureSteps.CheckManifest(f, report, model)) return;
        ModuleFixture.LoadWeights(f, model);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = ModuleFixture.Input(f, "input");
        using var y = model.forward(x);
        var outputs = f.Names("outputs");
        if (outputs.Contains("sources")) ModuleFixture.CompareOutput(report, f, "sources", y.Sources);
        if (outputs.Contains("masks")) ModuleFixture.CompareOutput(report, f, "masks", y.Masks);
        if (outputs.Contains("mag")) ModuleFixture.CompareOutput(report, f, "mag", y.Magnitude);
        if (outputs.Contains("est_sources"))
        {
            // SeparationBrain.compute_forward: stack(-1) → [B, L, S], zero-pad or crop the time axis to N.
            long n = x.size(-1), l = y.Sources.size(-1);
            var est = y.Sources.permute(1, 2, 0);
            est = l < n ? torch.nn.functional.pad(est, [0, 0, 0, n - l]) : est.narrow(1, 0, n);
            ModuleFixture.CompareOutput(report, f, "est_sources", est);
        }
    }
}

/// <summary>Fixtures of <c>model: sb_audioseparator</c> (SpeechBrain tutorial conv-encoder BiLSTM).</summary>
internal sealed class SbAudioSeparatorHandler : IFixtureHandler
{
    public string Name => "sb_audioseparator";

    public bool CanHandle(Fixture fixture) => fixture.Model == "sb_audioseparator";

    public void Run(Fixture f, FixtureReport report)
    {
        var h = f.Hyper;
        using var model = Families.AudioSeparatorFamily.Create(h);
        if (!ModelFixtureSteps.CheckManifest(f, report, model)) return;
        ModuleFixture.LoadWeights(f, model);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var y = model.forward(ModuleFixture.Input(f, "input"));
        var outputs = f.Names("outputs");
        if (outputs.Contains("sources")) ModuleFixture.CompareOutput(report, f, "sources", y.Sources);
        if (outputs.Contains("masks")) ModuleFixture.CompareOutput(report, f, "masks", y.Masks);
        if (outputs.Contains("latent")) ModuleFixture.CompareOutput(report, f, "latent", y.Latent);
    }
}

/// <summary>
/// Fixtures of <c>model: torch.stft</c>: the tensor layer's stft/istft against PyTorch's, plus the derived
/// outputs the hourglass front end uses (normalised magnitude; inverting 512 bins as librosa infers n_fft = 1022, or
/// with a zero Nyquist row and n_fft 1024).
/// </summary>
internal sealed class TorchStftHandler : IFixtureHandler
{
    public string Name => "torch.stft";

    public bool CanHandle(Fixture fixture) => fixture.Model == "torch.stft";

    private static Tensor? Window(JsonElement h, long winLength)
    {
        if (!h.TryGetProperty("window", out var w) || w.ValueKind == JsonValueKind.Null) return null;
        var text = w.GetString() ?? "";
        bool periodic = !text.Contains("periodic=False", StringComparison.Ordinal);
        if (text.Contains("hann", StringComparison.Ordinal)) return torch.hann_window(winLength, periodic);
        if (text.Contains("hamming", StringComparison.Ordinal)) return torch.hamming_window(winLength, periodic);
        throw new NotSupportedException($"window '{text}'");
    }

    private static long? Long(JsonElement h, string name) =>
        h.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    private static bool Bool(JsonElement h, string name, bool fallback) =>
        h.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    public void Run(Fixture f, FixtureReport report)
    {
        var h = f.Hyper;
        long nfft = Long(h, "n_fft") ?? throw new InvalidDataException("hyper.n_fft is missing");
        long hop = Long(h, "hop_length") ?? nfft / 4;
        long win = Long(h, "win_length") ?? nfft;
        bool center = Bool(h, "center", true), normalized = Bool(h, "normalized", false), onesided = Bool(h, "onesided", true);
        var padMode = h.TryGetProperty("pad_mode", out var pm) && pm.GetString() == "constant" ? PaddingModes.Constant : PaddingModes.Reflect;
        using var scope = torch.NewDisposeScope();
        var window = Window(h, win) ?? torch.ones([win]);
        var x = ModuleFixture.Input(f, "input");
        var X = torch.stft(x, nfft, hop, win, window, center, padMode, normalized, onesided, return_complex: true);   // [B, F, T] complex
        var outputs = f.Names("outputs");
        var inputs = f.Names("inputs");
        if (outputs.Contains("stft")) ModuleFixture.CompareOutput(report, f, "stft", X.view_as_real());
        if (outputs.Contains("istft"))
        {
            var gain = inputs.Contains("istft_gain") ? ModuleFixture.Input(f, "istft_gain") : torch.ones([1]);
            var y = torch.istft(X * gain, nfft, hop, win, window, center, normalized, onesided);
            ModuleFixture.CompareOutput(report, f, "istft", y);
        }
        var mag = X.abs();
        if (outputs.Contains("mag_norm")) ModuleFixture.CompareOutput(report, f, "mag_norm", mag / mag.max());
        if (outputs.Contains("istft_512bins_nfft1022") || outputs.Contains("istft_nyquist0_nfft1024"))
        {
            long kept = nfft / 2;                                                     // drop the Nyquist row
            var Y = X.narrow(1, 0, kept);
            if (inputs.Contains("gain")) Y = Y * ModuleFixture.Input(f, "gain");
            if (outputs.Contains("istft_512bins_nfft1022"))
            {
                long n2 = 2 * (kept - 1);                                             // what librosa infers from 512 bins
                var w2 = torch.hann_window(n2, true);
                ModuleFixture.CompareOutput(report, f, "istft_512bins_nfft1022", torch.istft(Y, n2, hop, n2, w2, center));
            }
            if (outputs.Contains("istft_nyquist0_nfft1024"))
            {
                var padded = torch.cat([Y, torch.zeros([Y.size(0), 1, Y.size(2)], Y.dtype).to(ScalarType.ComplexFloat32)], 1);
                ModuleFixture.CompareOutput(report, f, "istft_nyquist0_nfft1024", torch.istft(padded, nfft, hop, win, window, center));
            }
        }
    }
}
