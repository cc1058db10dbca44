using SpeechSeparation.Models.Hourglass;

namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// Fixtures of <c>model: hourglass_zyf</c> (ZYFZYF/Music-Source-Separation's StackedHourglassNet, batch norm, ReLU
/// heads, five pooling levels): the key manifest, masks of every stack, and loss / long-input outputs when present.
/// </summary>
internal sealed class HourglassZyfHandler : IFixtureHandler
{
    public string Name => "hourglass_zyf";

    public bool CanHandle(Fixture fixture) => fixture.Model == "hourglass_zyf";

    public void Run(Fixture f, FixtureReport report)
    {
        using var model = new ZyfStackedHourglassNet(ZyfHourglassConfig.FromJson(f.Hyper));
        HourglassFixtureSteps.Run(f, report, model);
    }
}
