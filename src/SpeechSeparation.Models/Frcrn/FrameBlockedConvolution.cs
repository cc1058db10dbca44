using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// FRCRN's 2-D convolutions (stride 1 along time) in blocks of output frames during inference. oneDNN reorders a call's
/// whole input and output into its blocked layout, so one call on a decoder's 4 s map holds three extra copies at once
/// (about 190 MB, the peak of the U-Net); blocks of <see cref="BlockFrames"/> output frames bound those copies to the
/// block. The multiply-adds are the same: each block reads the input frames its outputs cover, with the time padding's
/// zeros added only at the map's edges. Each block's input is converted to the compute dtype on reading
/// (<see cref="BFloat16Arithmetic"/>). With gradients enabled the convolution runs in one call.
/// </summary>
public static class FrameBlockedConvolution
{
    /// <summary>Output frames per call.</summary>
    public const long BlockFrames = 64;

    /// <summary>
    /// <c>F.conv2d(x, weight, bias, stride: (sh, 1), padding)</c> on <paramref name="source"/> converted to
    /// <paramref name="weight"/>'s dtype, in the source's dtype: [B, Cout, H', T'].
    /// </summary>
    public static Tensor Conv2d(FrameSource source, Tensor weight, Tensor? bias, (long, long) stride, (long, long) padding)
    {
        using var scope = torch.NewDisposeScope();
        if (torch.is_grad_enabled())
            return F.conv2d(source.ReadAll().to(weight.dtype), weight, bias, [stride.Item1, stride.Item2], [padding.Item1, padding.Item2])
                .to(source.DType).MoveToOuterDisposeScope();
        long height = (source.Height + 2 * padding.Item1 - weight.size(2)) / stride.Item1 + 1;
        var output = torch.empty([source.Batch, weight.size(0), height, source.Frames + 2 * padding.Item2 - weight.size(3) + 1], source.DType, source.Device);
        ForEachBlock(source, weight, bias, stride, padding, (o0, _, y) => output.narrow(3, o0, y.size(3)).copy_(y));
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>F.conv_transpose2d(x, weight, bias, stride: (sh, 1), padding)</c> (weight [Cin, Cout, kh, kw]) on
    /// <paramref name="source"/> converted to <paramref name="weight"/>'s dtype, in the source's dtype. Along time a
    /// stride-1 transposed convolution is a correlation with the flipped kernel: output frame t reads input frames
    /// t + pw − kw + 1 … t + pw, so each block of outputs is complete from one window of inputs.
    /// </summary>
    public static Tensor ConvTranspose2d(FrameSource source, Tensor weight, Tensor? bias, (long, long) stride, (long, long) padding)
    {
        var (ph, pw) = padding;
        long kh = weight.size(2), kw = weight.size(3), frames = source.Frames;
        long outFrames = frames - 1 + kw - 2 * pw;
        if (stride.Item2 != 1) throw new ArgumentException("Only stride 1 along time is supported.", nameof(stride));
        using var scope = torch.NewDisposeScope();
        if (torch.is_grad_enabled() || outFrames <= BlockFrames)
            return F.conv_transpose2d(source.ReadAll().to(weight.dtype), weight, bias, [stride.Item1, 1], [ph, pw])
                .to(source.DType).MoveToOuterDisposeScope();
        long height = (source.Height - 1) * stride.Item1 + kh - 2 * ph;
        var output = torch.empty([source.Batch, weight.size(1), height, outFrames], source.DType, source.Device);
        for (long o0 = 0; o0 < outFrames; o0 += BlockFrames)
        {
            using var inner = torch.NewDisposeScope();
            long n = Math.Min(BlockFrames, outFrames - o0);
            long a = Math.Max(0, o0 + pw - kw + 1), b = Math.Min(frames, o0 + n + pw); // input window [a, b)
            var y = F.conv_transpose2d(source.Read(a, b - a).to(weight.dtype), weight, bias, [stride.Item1, 1], [ph, 0]);
            output.narrow(3, o0, n).copy_(y.narrow(3, o0 + pw - a, n));      // y's frame j is output frame a − pw + j
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the convolution block by block and hands each block's output [B, Cout, H', n] (in <paramref name="weight"/>'s
    /// dtype) to <paramref name="sink"/> with its first output frame and the total number of output frames.
    /// </summary>
    public static void ForEachBlock(FrameSource source, Tensor weight, Tensor? bias, (long, long) stride, (long, long) padding,
        Action<long, long, Tensor> sink)
    {
        var (ph, pt) = padding;
        long kw = weight.size(3), frames = source.Frames;
        long outFrames = frames + 2 * pt - kw + 1;
        if (stride.Item2 != 1) throw new ArgumentException("Only stride 1 along time is supported.", nameof(stride));
        if (outFrames < 1) throw new ArgumentException($"The kernel ({kw} frames) is longer than the padded input ({frames} + 2·{pt} frames).");
        long block = torch.is_grad_enabled() ? outFrames : BlockFrames;
        for (long o0 = 0; o0 < outFrames; o0 += block)
        {
            using var scope = torch.NewDisposeScope();
            long n = Math.Min(block, outFrames - o0);
            long i0 = o0 - pt, i1 = o0 + n - 1 - pt + kw;                      // input frames [i0, i1) of these outputs
            long c0 = Math.Max(0, i0), c1 = Math.Min(frames, i1);
            var x = source.Read(c0, c1 - c0).to(weight.dtype);
            if (c0 > i0 || i1 > c1) x = F.pad(x, [c0 - i0, i1 - c1, 0, 0]);  // the time padding's zeros, at the edges only
            sink(o0, outFrames, F.conv2d(x, weight, bias, [stride.Item1, 1], [ph, 0]));
        }
    }
}
