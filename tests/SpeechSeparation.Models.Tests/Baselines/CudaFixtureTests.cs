using SpeechSeparation.Conformance;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.Baselines;

public class CudaFixtureTests
{
    [CudaFact]
    public void EveryWeightedModelFixturePassesOnTheGpu()
    {
        torch.backends.cuda.matmul.allow_tf32 = false;
        torch.backends.cudnn.allow_tf32 = false;
        var before = ModuleFixture.Device;
        ModuleFixture.Device = torch.CUDA;
        try
        {
            foreach (var dir in Directory.GetDirectories(TestPaths.Fixture()).Order(StringComparer.Ordinal))
            {
                if (!File.Exists(Path.Combine(dir, "state_dict.pt"))) continue;
                var report = FixtureRunner.Run(dir);
                if (report.Handler == "none") continue;   // families not implemented in this build
                var text = new StringWriter();
                report.WriteTo(text);
                Assert.True(report.Passed, text.ToString());
            }
        }
        finally
        {
            ModuleFixture.Device = before;
        }
    }
}
