using SpeechSeparation.Tensors;
using SpeechSeparation.Training;

namespace SpeechSeparation.Conformance.Training;

/// <summary>
/// <c>model: pit_si_snr</c> (SpeechBrain's <c>get_si_snr_with_pitwrapper</c>): every output named
/// <c>loss</c>, <c>perm</c>, <c>loss_matrix</c>, <c>loss_mean</c> or <c>grad</c> with an optional suffix (<c>grad_2src</c>)
/// is computed from the inputs <c>targets</c>/<c>estimates</c> with the same suffix, <c>[B, T, C]</c>; <c>grad</c> is
/// d(loss.mean())/d(estimates). Permutations must match exactly.
/// </summary>
internal sealed class PitSiSnrHandler : IFixtureHandler
{
    private static readonly string[] Bases = ["loss_matrix", "loss_mean", "loss", "perm", "grad"];

    public string Name => "pit_si_snr";

    public bool CanHandle(Fixture fixture) => fixture.Model == "pit_si_snr";

    public void Run(Fixture fixture, FixtureReport report)
    {
        foreach (var output in fixture.Names("outputs"))
        {
            var kind = Bases.FirstOrDefault(b => output == b || output.StartsWith(b + "_", StringComparison.Ordinal) && !(b == "loss" && output.StartsWith("loss_m", StringComparison.Ordinal)));
            if (kind is null)
            {
                report.Fail(output, "unknown output of a pit_si_snr fixture");
                continue;
            }
            var suffix = output[kind.Length..];
            using var scope = torch.NewDisposeScope();
            var targets = HostTensors.ToTensor(fixture.Array("inputs", "targets" + suffix));
            var estimates = HostTensors.ToTensor(fixture.Array("inputs", "estimates" + suffix));
            if (kind == "grad")
            {
                estimates.requires_grad_();
                using var r0 = PitSiSnrLoss.Compute(targets, estimates);
                r0.Loss.mean().backward();
                ModuleFixture.CompareOutput(report, fixture, output, estimates.grad!);
                continue;
            }
            using var r = PitSiSnrLoss.Compute(targets, estimates);
            switch (kind)
            {
                case "loss": ModuleFixture.CompareOutput(report, fixture, output, r.Loss); break;
                case "loss_matrix": ModuleFixture.CompareOutput(report, fixture, output, r.LossMatrix); break;
                case "loss_mean": ModuleFixture.CompareOutput(report, fixture, output, r.Loss.mean().reshape(1)); break;
                case "perm":
                    var expected = fixture.Array("outputs", output).ToInt64Array();
                    report.CompareExact(output, r.Permutations.SelectMany(p => p.Select(x => (long)x)).ToArray(), expected);
                    break;
            }
        }
    }
}
