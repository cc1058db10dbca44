using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// Fixtures of <c>model: hourglass</c> (Park et al. 2018 as in the TF code, constant width or channel growth): the key
/// manifest, masks of every stack, the stacked L1 loss against <c>targets</c>, and the sliding-window masks of a long
/// spectrogram (<c>long_input</c> → <c>long_masks</c>).
/// </summary>
internal sealed class HourglassHandler : IFixtureHandler
{
    public string Name => "hourglass";

    public bool CanHandle(Fixture fixture) => fixture.Model == "hourglass";

    public void Run(Fixture f, FixtureReport report)
    {
        using var model = (StackedHourglassNet)Families.HourglassFamily.CreateMaskNetwork(f.Hyper).Network;
        HourglassFixtureSteps.Run(f, report, model);
    }
}

/// <summary>Steps shared by the hourglass handlers.</summary>
internal static class HourglassFixtureSteps
{
    /// <summary>Network input [B, 1, F, T] from an array of rank 2 ([F, T]), 3 ([B, F, T]) or 4.</summary>
    private static Tensor AsInput(Tensor x) => x.ndim switch
    {
        2 => x.unsqueeze(0).unsqueeze(0),
        3 => x.unsqueeze(1),
        _ => x,
    };

    public static void Run(Fixture f, FixtureReport report, torch.nn.Module<Tensor, Tensor> model)
    {
        if (!ModelFixtureSteps.CheckManifest(f, report, model)) return;
        ModuleFixture.LoadWeights(f, model);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var inputs = f.Names("inputs");
        var outputs = f.Names("outputs");
        if (inputs.Contains("input"))
        {
            var x = AsInput(ModuleFixture.Input(f, "input"));
            var masks = model.forward(x);                                             // [K, B, S, F, T]
            if (outputs.Contains("masks")) ModuleFixture.CompareOutput(report, f, "masks", masks);
            if (outputs.Contains("last_masks")) ModuleFixture.CompareOutput(report, f, "last_masks", masks.select(0, masks.size(0) - 1));
            if (outputs.Contains("loss") && inputs.Contains("targets"))
            {
                var loss = HourglassLoss.StackedL1(masks, x, ModuleFixture.Input(f, "targets"));
                ModuleFixture.CompareOutput(report, f, "loss", loss.reshape(f.Array("outputs", "loss").Shape));
            }
        }
        if (inputs.Contains("long_input") && outputs.Contains("long_masks"))
        {
            var raw = ModuleFixture.Input(f, "long_input");
            var m = HourglassSeparator.WindowedMasks(model, AsInput(raw), tfQuirk: true);   // [B, S, F, T]
            ModuleFixture.CompareOutput(report, f, "long_masks", raw.ndim == 2 ? m.squeeze(0) : m);
        }
    }
}
