using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// Complex 2-D transposed convolution as two real <c>ConvTranspose2d</c>s <c>tconv_re</c>, <c>tconv_im</c> (bias,
/// output_padding 0, dilation 1; weights [Cin, Cout, kh, kw]): <c>out_re = tconv_re(x_re) − tconv_im(x_im)</c>,
/// <c>out_im = tconv_re(x_im) + tconv_im(x_re)</c>. On the packed layout it runs as one real transposed convolution with
/// the block kernel <c>[[W_re, W_im], [−W_im, W_re]]</c> (rows: input parts, columns: output parts).
/// </summary>
public sealed class ComplexConvTranspose2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public ComplexConvTranspose2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null)
    {
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        TconvRe = RegisterModule("tconv_re", torch.nn.ConvTranspose2d(inChannels, outChannels, kernelSize, Stride, Padding));
        TconvIm = RegisterModule("tconv_im", torch.nn.ConvTranspose2d(inChannels, outChannels, kernelSize, Stride, Padding));
    }

    /// <summary>Stride (F, T).</summary>
    public (long, long) Stride { get; }
    /// <summary>Padding (F, T).</summary>
    public (long, long) Padding { get; }
    /// <summary>Real-part weights.</summary>
    public ConvTranspose2d TconvRe { get; }
    /// <summary>Imaginary-part weights.</summary>
    public ConvTranspose2d TconvIm { get; }

    /// <summary>Upstream layout: [B, Cin, H, T, 2] → [B, Cout, H', T', 2].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return ComplexLayout.Unpack(ForwardPacked(ComplexLayout.Pack(input))).MoveToOuterDisposeScope();
    }

    /// <summary>Packed layout: [B, 2Cin, H, T] → [B, 2Cout, H', T'].</summary>
    public Tensor ForwardPacked(Tensor x) => ForwardPacked(FrameSource.Of(x), null);

    /// <summary>
    /// Packed layout on a <see cref="FrameSource"/> followed by <paramref name="norm"/> in inference mode, folded into the
    /// kernel and bias: <c>norm(tconv(x))</c>. bfloat16 computes as <see cref="BFloat16Arithmetic"/> says.
    /// </summary>
    public Tensor ForwardPacked(FrameSource x, ComplexBatchNorm2d? norm)
    {
        using var scope = torch.NewDisposeScope();
        var dtype = BFloat16Arithmetic.ComputeType(x.DType, x.Device.type);
        Tensor wr = TconvRe.weight.to(dtype), wi = TconvIm.weight.to(dtype);    // [Cin, Cout, kh, kw]
        var w = torch.cat([torch.cat([wr, wi], 1), torch.cat([-wi, wr], 1)], 0); // [2Cin, 2Cout, kh, kw]
        Tensor br = TconvRe.bias!.to(dtype), bi = TconvIm.bias!.to(dtype);
        var b = torch.cat([br - bi, br.Add(bi)], 0);                          // [2Cout]
        if (norm is not null) (w, b) = norm.FoldInto(w, b, 1);
        return PolyphaseConvTranspose.ConvTranspose2d(x, w, b, Stride, Padding).MoveToOuterDisposeScope();
    }
}
