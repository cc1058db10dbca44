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
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, (long, long) stride, (long, long) padding)
    {
        var (s, st) = stride;
        var (ph, pw) = padding;
        long k = weight.size(2), kw = weight.size(3);
        // Few output channels (the last decoder): the per-phase convolutions do not pay off; keep libtorch's path.
        if (st != 1 || pw > kw - 1 || s < 1 || ph < 0 || weight.size(1) < 16) return F.conv_transpose2d(x, weight, bias, [stride.Item1, stride.Item2], [padding.Item1, padding.Item2]);
        using var scope = torch.NewDisposeScope();
        long hin = x.size(2);
        long hout = (hin - 1) * s + k - 2 * ph;
        long j0 = (k + s - 1) / s;                                            // taps of parity 0 (the most)
        long m = hin + j0 - 1;                                                // rows per parity before trimming
        var wt = weight.flip(3).transpose(0, 1);                              // [Cout, Cin, K, Kw], time flipped
        var phases = new List<Tensor>((int)s);
        for (long q = 0; q < s; q++)
        {
            long jq = (k - q + s - 1) / s;
            if (jq <= 0) { phases.Add(torch.zeros([x.size(0), weight.size(1), m, x.size(3) + kw - 1 - 2 * pw], x.dtype, x.device)); continue; }
            var rows = new long[jq];
            for (long j = 0; j < jq; j++) rows[j] = q + s * (jq - 1 - j);      // kernel rows q + s·j, flipped
            var wq = wt.index_select(2, torch.tensor(rows, null, x.device)).contiguous(); // [Cout, Cin, Jq, Kw]
            var y = F.conv2d(x, wq, bias, [1, 1], [jq - 1, kw - 1 - pw]);      // [B, Cout, H + Jq − 1, T']
            if (y.size(2) < m) y = F.pad(y, [0, 0, 0, m - y.size(2)]);
            phases.Add(y);
        }
        var all = torch.stack(phases, 3);                                      // [B, Cout, M, s, T']
        var sh = all.shape;
        var r = all.view(sh[0], sh[1], sh[2] * s, sh[4]).narrow(2, ph, hout); // interleave rows, trim padding
        return r.contiguous().MoveToOuterDisposeScope();
    }
}
