using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Models.Tests.FrcrnTests;

public class FrcrnBlockingTests
{
    [Fact]
    public void FrequencyFsmnOnLongInputsEqualsFrameByFrameEvaluation()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        torch.manual_seed(11);
        using var block = new ComplexUniDeepFsmnL1(16, 16, 16);
        block.eval();
        var x = torch.randn(1, 32, 159, 700);                    // 1·32·159 values per frame → blocks of ~206 frames
        var y = block.ForwardPacked(x);
        foreach (var (t0, n) in new[] { (0L, 5L), (200L, 12L), (690L, 10L) })
        {
            var part = block.ForwardPacked(x.narrow(3, t0, n));   // short: one block
            Assert.True((y.narrow(3, t0, n) - part).abs().max().ToDouble() < 1e-5);
        }
    }
}
