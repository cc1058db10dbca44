using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// FRCRN sub-modules on the upstream complex layout [B, C, H, T, 2]: <c>frcrn.ComplexUniDeepFsmn</c> (temporal),
/// <c>frcrn.ComplexUniDeepFsmn_L1</c> (frequency), <c>frcrn.SELayer</c>; built from <c>hyper</c>, loaded strictly.
/// </summary>
internal sealed class FrcrnBlockHandler : IFixtureHandler
{
    public string Name => "frcrn-block";

    public bool CanHandle(Fixture f) => f.Model is "frcrn.ComplexUniDeepFsmn" or "frcrn.ComplexUniDeepFsmn_L1" or "frcrn.SELayer";

    public void Run(Fixture f, FixtureReport report)
    {
        var h = f.Hyper;
        using var _ = torch.no_grad();
        using torch.nn.Module<Tensor, Tensor> m = f.Model switch
        {
            "frcrn.SELayer" => new SELayer(FrcrnHandlers.Int(h, "channel", 128), FrcrnHandlers.Int(h, "reduction", 8)),
            "frcrn.ComplexUniDeepFsmn" => new ComplexUniDeepFsmn(FrcrnHandlers.Int(h, "nIn", 128), FrcrnHandlers.Int(h, "nHidden", 128), FrcrnHandlers.Int(h, "nOut", 128)),
            _ => new ComplexUniDeepFsmnL1(FrcrnHandlers.Int(h, "nIn", 128), FrcrnHandlers.Int(h, "nHidden", 128), FrcrnHandlers.Int(h, "nOut", 128)),
        };
        ModuleFixture.LoadWeights(f, m);
        using var scope = torch.NewDisposeScope();
        var y = m.forward(ModuleFixture.Input(f, f.Names("inputs")[0]));
        ModuleFixture.CompareOutput(report, f, f.Names("outputs")[0], y);
    }
}
