using System.Text.Json;
using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// <c>frcrn.ConvSTFT</c> / <c>frcrn.ConviSTFT</c>: builds the transform from <c>hyper</c> (win_len, win_inc, fft_len,
/// win_type), checks that the kernels rebuilt from the formulas equal the stored ones, loads the stored state dict
/// strictly and compares the output.
/// </summary>
internal sealed class FrcrnStftHandler : IFixtureHandler
{
    public string Name => "frcrn-stft";

    public bool CanHandle(Fixture f) => f.Model is "frcrn.ConvSTFT" or "frcrn.ConviSTFT";

    public void Run(Fixture f, FixtureReport report)
    {
        var h = f.Hyper;
        int winLen = h.GetProperty("win_len").GetInt32(), winInc = h.GetProperty("win_inc").GetInt32();
        int fftLen = h.TryGetProperty("fft_len", out var fl) && fl.ValueKind == JsonValueKind.Number ? fl.GetInt32() : winLen;
        string? winType = h.TryGetProperty("win_type", out var wt) && wt.ValueKind == JsonValueKind.String ? wt.GetString() : null;
        using var _ = torch.no_grad();
        using torch.nn.Module<Tensor, Tensor> m = f.Model == "frcrn.ConvSTFT"
            ? new ConvStft(winLen, winInc, fftLen, winType)
            : new ConviStft(winLen, winInc, fftLen, winType);
        FrcrnHandlers.CompareRebuilt(report, m, StateDict.Load(ModuleFixture.WeightsPath(f)));
        ModuleFixture.LoadWeights(f, m);
        using var scope = torch.NewDisposeScope();
        var y = m.forward(ModuleFixture.Input(f, f.Names("inputs")[0]));
        ModuleFixture.CompareOutput(report, f, f.Names("outputs")[0], y);
    }
}

/// <summary>Shared steps of the FRCRN handlers.</summary>
internal static class FrcrnHandlers
{
    /// <summary>Compares the module's own (formula-built) fixed tensors with the stored ones, for every stored key it has.</summary>
    public static void CompareRebuilt(FixtureReport report, torch.nn.Module m, IReadOnlyDictionary<string, HostTensor> stored, string prefix = "")
    {
        foreach (var (k, t) in m.state_dict())
        {
            if (!stored.TryGetValue(prefix + k, out var s)) continue;
            if (!t.shape.AsSpan().SequenceEqual(s.Shape)) { report.Fail("rebuilt " + k, "shape differs"); continue; }
            report.Compare("rebuilt " + prefix + k, t.ToDoubleArray(), s.ToDoubleArray(), new Tolerance(MaxAbs: 1e-6));
        }
    }

    public static int Int(JsonElement h, string name, int fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;

    public static string? Str(JsonElement h, string name, string? fallback) =>
        h.ValueKind == JsonValueKind.Object && h.TryGetProperty(name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : null) : fallback;
}
