using SpeechSeparation.Conformance;

namespace SpeechSeparation.Tests;

/// <summary>Runs a fixture folder through the conformance runner and fails the test with the full report.</summary>
internal static class FixtureAssert
{
    public static FixtureReport Passes(string directory)
    {
        var report = FixtureRunner.Run(directory);
        var text = new StringWriter();
        report.WriteTo(text);
        Assert.True(report.Passed, text.ToString());
        return report;
    }
}
