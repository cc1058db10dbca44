using SpeechSeparation.Tests;

namespace SpeechSeparation.Training.Tests;

public class FixtureTests
{
    [Theory]
    [InlineData("optim", "adam")]
    [InlineData("optim", "adam-clip5")]
    [InlineData("optim", "adam-wd-amsgrad")]
    [InlineData("optim", "adamw")]
    [InlineData("optim", "sgd-plain")]
    [InlineData("optim", "sgd-momentum-nesterov")]
    [InlineData("optim", "step-lr")]
    [InlineData("optim", "cosine")]
    [InlineData("optim", "reduce-on-plateau")]
    [InlineData("pit_si_snr_2src")]
    [InlineData("pit_si_snr_3src")]
    [InlineData("pit_si_snr_grad")]
    public void FixturePasses(params string[] path) => FixtureAssert.Passes(TestPaths.Fixture(path));
}
