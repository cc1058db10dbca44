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

public sealed class SyntheticSchedulerFixtureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ss-lrfix-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string scheduler, string kwargs, double[] expected)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var lrs = string.Join(", ", expected.Select(x => x.ToString("R", inv)));
        var zeros = string.Join(", ", expected.Select(_ => "0.0"));
        File.WriteAllText(Path.Combine(_dir, "config.json"),
            "{\"kind\": \"lr-scheduler\", \"scheduler\": \"torch.optim.lr_scheduler." + scheduler + "\", \"kwargs\": " + kwargs +
            ", \"initial_lr\": 1.0, \"metrics_per_epoch\": [" + zeros + "], \"lr_after_each_step\": [" + lrs +
            "], \"tolerance\": {\"max_abs\": 1e-12}}");
        return _dir;
    }

    [Fact]
    public void LinearWarmupFixturePasses() =>
        FixtureAssert.Passes(Write("LinearLR", """{"start_factor": 0.25, "end_factor": 1.0, "total_iters": 3}""",
            [0.5, 0.75, 1.0, 1.0, 1.0]));

    [Fact]
    public void WarmupThenCosineFixturePasses() =>
        FixtureAssert.Passes(Write("SequentialLR",
            """{"schedulers": [{"scheduler": "LinearLR", "kwargs": {"start_factor": 0.1, "total_iters": 3}}, {"scheduler": "CosineAnnealingLR", "kwargs": {"T_max": 5}}], "milestones": [3]}""",
            [0.4, 0.7, .. Enumerable.Range(3, 6).Select(e => (1 + Math.Cos(Math.PI * (e - 3) / 5)) / 2)]));
}
