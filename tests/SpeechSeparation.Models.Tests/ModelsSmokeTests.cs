using SpeechSeparation.Conformance;

namespace SpeechSeparation.Models.Tests;

public class ConformanceDispatchTests
{
    [Fact]
    public void EveryModelFixtureFolderIsReadable()
    {
        // Each model family's own tests check numbers; this one checks that every model fixture's config parses.
        foreach (var dir in Directory.GetDirectories(SpeechSeparation.Tests.TestPaths.Fixture()))
        {
            if (!File.Exists(Path.Combine(dir, "config.json"))) continue;
            var f = Fixture.Open(dir);
            Assert.True(f.Kind is not null || f.Model is not null, dir);
        }
    }
}
