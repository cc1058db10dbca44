using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// A fast path for the decoders' transposed convolutions (stride (s, 1), dilation 1, no output padding): libtorch's CPU
/// <c>conv_transpose2d</c> goes through im2col/col2im, while a stride-s transposed convolution equals s ordinary
/// convolutions ("polyphase" components: output rows ≡ q mod s use kernel rows q, q+s, …, flipped) whose outputs are
/// interleaved. Each component runs on the fast (oneDNN) convolution; the multiply-adds are the same.
/// </summary>
public static class PolyphaseConvTranspose
{
    /// <summary>
    /// Same result as <c>F.conv_transpose2d(x, weight, bias, stride: (s, 1), padding: (ph, pw))</c> for
    /// x [B, Cin, H, T], weight [Cin, Cout, K, Kw] with <c>pw ≤ Kw − 1</c>.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, (long, long) stride, (long, long) padding) =>
        ConvTranspose2d(FrameSource.Of(x), weight, bias, stride, padding);

    /// <summary>
    /// The same on a <see cref="FrameSource"/> computed in <paramref name="weight"/>'s dtype (each block of the source is
    /// converted on reading) and returned in the source's dtype; each component runs in blocks of frames
    /// (<see cref="FrameBlockedConvolution"/>) and is written straight into its strided rows of the output.
    /// </summary>
    public static Tensor ConvTranspose2d(FrameSource x, Tensor weight, Tensor? bias, (long, long) stride, (long, long) padding)
    {
        var (s, st) = stride;
        var (ph, pw) = padding;
        long k = weight.size(2), kw = weight.size(3);
        using var scope = torch.NewDisposeScope();
        // Other shapes: libtorch's transposed convolution, in blocks of frames where the time stride is 1.
        if (st != 1 || pw > kw - 1 || s < 1 || ph < 0)
            return (st == 1 ? FrameBlockedConvolution.ConvTranspose2d(x, weight, bias, stride, padding)
                : F.conv_transpose2d(x.ReadAll().to(weight.dtype), weight, bias, [stride.Item1, stride.Item2], [padding.Item1, padding.Item2]).to(x.DType))
                .MoveToOuterDisposeScope();
        long hin = x.Height, tout = x.Frames + kw - 1 - 2 * pw;
        long hout = (hin - 1) * s + k - 2 * ph;
        var wt = weight.flip(3).transpose(0, 1);                              // [Cout, Cin, K, Kw], time flipped
        // Output row r comes from row m = (r + ph) / s of phase q = (r + ph) mod s.
        var output = torch.empty([x.Batch, weight.size(1), hout, tout], x.DType, x.Device);
        for (long q = 0; q < s; q++)
        {
            long m0 = ph > q ? (ph - q + s - 1) / s : 0;                       // first row of phase q inside the output
            long r0 = m0 * s + q - ph;
            if (r0 >= hout) continue;
            long count = (hout - r0 + s - 1) / s;
            var rows = output.slice(2, r0, r0 + (count - 1) * s + 1, s);     // [B, Cout, count, T']
            long jq = (k - q + s - 1) / s;                                     // kernel rows q, q + s, … of this phase
            long filled = jq > 0 ? Math.Clamp(hin + jq - 1 - m0, 0, count) : 0; // rows any kernel row reaches
            if (filled > 0)
            {
                var taps = new long[jq];
                for (long j = 0; j < jq; j++) taps[j] = q + s * (jq - 1 - j);  // flipped
                var wq = wt.index_select(2, torch.tensor(taps, null, weight.device)).contiguous(); // [Cout, Cin, Jq, Kw]
                var reached = rows.narrow(2, 0, filled);
                FrameBlockedConvolution.ForEachBlock(x, wq, bias, (1, 1), (jq - 1, kw - 1 - pw),           // [B, Cout, H + Jq − 1, n]
                    (o0, _, y) => reached.narrow(3, o0, y.size(3)).copy_(y.narrow(2, m0, filled)));
            }
            if (filled == count) continue;
            var untouched = rows.narrow(2, filled, count - filled);            // no kernel row reaches these: bias only
            if (bias is null) untouched.zero_();
            else untouched.copy_(bias.view(1, -1, 1, 1).expand_as(untouched));
        }
        return output.MoveToOuterDisposeScope();
    }
}
