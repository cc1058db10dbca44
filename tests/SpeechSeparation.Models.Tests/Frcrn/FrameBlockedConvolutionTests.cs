using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Tests.FrcrnTests;

/// <summary>
/// The inference convolutions in blocks of frames equal libtorch's whole-map convolutions on maps several blocks long,
/// including the decoders' skip concatenation read block by block and the map edges where the time padding applies.
/// </summary>
public class FrameBlockedConvolutionTests
{
    private const long Frames = 2 * FrameBlockedConvolution.BlockFrames + 37;   // three blocks, the last one partial

    [Theory]
    [InlineData(5, 2, 2, 0, 1)]    // FRCRN's encoders
    [InlineData(2, 2, 2, 0, 1)]
    [InlineData(3, 3, 1, 1, 0)]
    [InlineData(3, 4, 1, 1, 3)]
    public void Conv2dEqualsLibtorch(int kh, int kw, int sh, int ph, int pt)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        torch.manual_seed(11);
        var x = torch.randn(2, 6, 13, Frames);
        var w = torch.randn(10, 6, kh, kw);
        var b = torch.randn(10);
        var expected = F.conv2d(x, w, b, [sh, 1], [ph, pt]);
        var got = FrameBlockedConvolution.Conv2d(FrameSource.Of(x), w, b, (sh, 1), (ph, pt));
        Assert.Equal(expected.shape, got.shape);
        Assert.True((got - expected).abs().max().ToDouble() < 1e-4);
    }

    [Theory]
    [InlineData(5, 2, 2, 0, 1, 20)]   // FRCRN's decoders (polyphase)
    [InlineData(6, 2, 2, 0, 1, 20)]
    [InlineData(5, 2, 2, 0, 1, 2)]    // the last decoder: one complex output channel
    [InlineData(4, 3, 2, 1, 2, 2)]
    public void TransposedConvolutionOnAConcatenationEqualsLibtorch(int kh, int kw, int sh, int ph, int pt, int cout)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        torch.manual_seed(12);
        var a = torch.randn(2, 8, 9, Frames);                       // packed: 4 real, then 4 imaginary channels
        var s = torch.randn(2, 6, 9, Frames);
        var w = torch.randn(14, cout, kh, kw);
        var b = torch.randn(cout);
        var expected = F.conv_transpose2d(ComplexLayout.CatChannels(a, s), w, b, [sh, 1], [ph, pt]);
        var got = PolyphaseConvTranspose.ConvTranspose2d(FrameSource.Concat(a, s), w, b, (sh, 1), (ph, pt));
        Assert.Equal(expected.shape, got.shape);
        Assert.True((got - expected).abs().max().ToDouble() < 1e-4);
        var blocked = FrameBlockedConvolution.ConvTranspose2d(FrameSource.Concat(a, s), w, b, (sh, 1), (ph, pt));
        Assert.True((blocked - expected).abs().max().ToDouble() < 1e-4);
    }

    [Fact]
    public void ConcatenationInterleavesThePackedParts()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(1, 4, 3, 10);
        var s = torch.randn(1, 2, 3, 10);
        var src = FrameSource.Concat(a, s);
        Assert.Equal(6, src.Channels);
        var expected = ComplexLayout.CatChannels(a, s).narrow(3, 4, 5);
        Assert.Equal(0.0, (src.Read(4, 5) - expected).abs().max().ToDouble());
        Assert.Throws<ArgumentException>(() => FrameSource.Concat(a, torch.randn(1, 2, 3, 9)));
    }
}
