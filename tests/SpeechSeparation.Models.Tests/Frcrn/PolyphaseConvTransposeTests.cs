using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Tests.FrcrnTests;

public class PolyphaseConvTransposeTests
{
    [Theory]
    [InlineData(5, 2, 2, 0, 1)]
    [InlineData(6, 2, 2, 0, 1)]
    [InlineData(2, 2, 2, 0, 1)]
    [InlineData(5, 3, 3, 1, 0)]
    [InlineData(4, 1, 2, 2, 1)]
    [InlineData(1, 1, 2, 0, 0)]   // a phase without kernel rows: its output rows are the bias
    [InlineData(3, 2, 4, 0, 1)]   // kernel shorter than the stride
    public void EqualsLibtorchTransposedConvolution(int k, int kw, int stride, int ph, int pw)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        torch.manual_seed(7);
        var x = torch.randn(2, 24, 9, 11);
        var w = torch.randn(24, 20, k, kw);
        var b = torch.randn(20);
        var expected = F.conv_transpose2d(x, w, b, [stride, 1], [ph, pw]);
        var got = PolyphaseConvTranspose.ConvTranspose2d(x, w, b, (stride, 1), (ph, pw));
        Assert.Equal(expected.shape, got.shape);
        Assert.True((got - expected).abs().max().ToDouble() < 1e-4);
    }
}
