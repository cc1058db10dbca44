using System.Text.Json;

namespace SpeechSeparation.Conformance.Dsp;

/// <summary><c>kind: dsp-windows</c>: each entry of <c>windows</c> (<c>file</c>, <c>call</c>, <c>length</c>) is rebuilt from its description.</summary>
internal sealed class DspWindowsHandler : IFixtureHandler
{
    public string Name => "dsp-windows";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "dsp-windows";

    public void Run(Fixture fixture, FixtureReport report)
    {
        foreach (var w in fixture.Config.GetProperty("windows").EnumerateArray())
        {
            var file = w.GetProperty("file").GetString()!;
            var name = Path.GetFileNameWithoutExtension(file);
            var call = w.GetProperty("call").GetString()!;
            try
            {
                var got = DspConfig.Window(call, w.GetProperty("length").GetInt32());
                report.Compare($"{name} {call}", got, fixture.Npy(file).ToDoubleArray(), DspConfig.ToleranceOf(fixture, name));
            }
            catch (NotSupportedException e)
            {
                report.Fail(name, e.Message);
            }
        }
    }
}
