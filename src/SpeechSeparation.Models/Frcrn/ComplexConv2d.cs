using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// Complex 2-D convolution as two real <c>Conv2d</c>s <c>conv_re</c>, <c>conv_im</c> (each with bias):
/// <c>out_re = conv_re(x_re) − conv_im(x_im)</c>, <c>out_im = conv_re(x_im) + conv_im(x_re)</c> (so the effective biases
/// are <c>b_re − b_im</c> and <c>b_re + b_im</c>). On the packed layout it runs as one real convolution with the block
/// kernel <c>[[W_re, −W_im], [W_im, W_re]]</c>.
/// </summary>
public sealed class ComplexConv2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer (zero padding).</summary>
    public ComplexConv2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null)
    {
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        ConvRe = RegisterModule("conv_re", torch.nn.Conv2d(inChannels, outChannels, kernelSize, Stride, Padding));
        ConvIm = RegisterModule("conv_im", torch.nn.Conv2d(inChannels, outChannels, kernelSize, Stride, Padding));
    }

    /// <summary>Stride (F, T).</summary>
    public (long, long) Stride { get; }
    /// <summary>Padding (F, T).</summary>
    public (long, long) Padding { get; }
    /// <summary>Real-part weights.</summary>
    public Conv2d ConvRe { get; }
    /// <summary>Imaginary-part weights.</summary>
    public Conv2d ConvIm { get; }

    /// <summary>Upstream layout: [B, Cin, H, T, 2] → [B, Cout, H', T', 2].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return ComplexLayout.Unpack(ForwardPacked(ComplexLayout.Pack(input))).MoveToOuterDisposeScope();
    }

    /// <summary>Packed layout: [B, 2Cin, H, T] → [B, 2Cout, H', T'].</summary>
    public Tensor ForwardPacked(Tensor x) => ForwardPacked(x, null);

    /// <summary>
    /// Packed layout followed by <paramref name="norm"/> in inference mode, folded into the kernel and bias (one pass
    /// over the output instead of two): <c>norm(conv(x))</c>. bfloat16 runs through <see cref="BFloat16Arithmetic"/>.
    /// </summary>
    public Tensor ForwardPacked(Tensor x, ComplexBatchNorm2d? norm)
    {
        using var scope = torch.NewDisposeScope();
        var (w, b) = Kernel(BFloat16Arithmetic.ComputeType(x.dtype, x.device_type), norm);
        return FrameBlockedConvolution.Conv2d(FrameSource.Of(x), w, b, Stride, Padding).MoveToOuterDisposeScope();
    }

    // The packed block kernel [2Cout, 2Cin, kh, kw] and bias [2Cout] in dtype, with an inference batch norm folded in.
    private (Tensor Weight, Tensor Bias) Kernel(ScalarType dtype, ComplexBatchNorm2d? norm)
    {
        using var scope = torch.NewDisposeScope();
        Tensor wr = ConvRe.weight.to(dtype), wi = ConvIm.weight.to(dtype);      // [Cout, Cin, kh, kw]
        var w = torch.cat([torch.cat([wr, -wi], 1), torch.cat([wi, wr], 1)], 0); // [2Cout, 2Cin, kh, kw]
        Tensor br = ConvRe.bias!.to(dtype), bi = ConvIm.bias!.to(dtype);
        var b = torch.cat([br - bi, br.Add(bi)], 0);                          // [2Cout]
        if (norm is not null) (w, b) = norm.FoldInto(w, b, 0);
        return (w.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope());
    }
}
