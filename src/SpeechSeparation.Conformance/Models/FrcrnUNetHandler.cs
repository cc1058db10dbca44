using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// <c>frcrn.UNet</c>: one depth-14 complex U-Net (width from <c>tiny_width</c>, default 128), loaded strictly;
/// compares the output and every <c>tap_NAME</c> output with the output of sub-module NAME.
/// </summary>
internal sealed class FrcrnUNetHandler : IFixtureHandler
{
    public string Name => "frcrn-unet";

    public bool CanHandle(Fixture f) => f.Model == "frcrn.UNet";

    public void Run(Fixture f, FixtureReport report)
    {
        var h = f.Hyper;
        int depth = FrcrnHandlers.Int(h, "model_depth", 14);
        if (depth != 14) { report.Fail("model_depth", $"only depth 14 builds a working network upstream (got {depth})"); return; }
        using var _ = torch.no_grad();
        using var m = new UNet(FrcrnHandlers.Int(h, "input_channels", 1), FrcrnHandlers.Int(h, "tiny_width", 128));
        ModuleFixture.LoadWeights(f, m);
        using var scope = torch.NewDisposeScope();
        var taps = new Dictionary<string, Tensor>();
        try
        {
            var y = m.forward(ModuleFixture.Input(f, f.Names("inputs")[0]), taps);
            foreach (var name in f.Names("outputs"))
            {
                if (!name.StartsWith("tap_", StringComparison.Ordinal)) { ModuleFixture.CompareOutput(report, f, name, y); continue; }
                if (taps.TryGetValue(name[4..], out var t)) ModuleFixture.CompareOutput(report, f, name, t);
                else report.Fail(name, $"sub-module '{name[4..]}' produced no output in the forward");
            }
        }
        finally
        {
            foreach (var t in taps.Values) t.Dispose();
        }
    }
}
