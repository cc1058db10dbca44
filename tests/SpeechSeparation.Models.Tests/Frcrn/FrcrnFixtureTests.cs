using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.FrcrnTests;

public class FrcrnFixtureTests
{
    [Theory]
    [InlineData("frcrn_convstft")]
    [InlineData("frcrn_convistft")]
    [InlineData("frcrn_cfsmn_time")]
    [InlineData("frcrn_cfsmn_freq")]
    [InlineData("frcrn_se_layer")]
    [InlineData("frcrn_unet_tiny")]
    [InlineData("frcrn_published_keys")]
    [InlineData("frcrn_tiny")]
    public void FixturePasses(string name) => FixtureAssert.Passes(TestPaths.Fixture(name));
}
