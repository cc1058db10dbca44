using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// ModelScope's <c>ComplexUniDeepFsmn_L1</c>, the "frequency recurrence": on [B, C, H, T, 2] it runs a
/// <see cref="UniDeepFsmn"/> along the frequency axis H (features = channels C) for every (b, t), as a complex layer:
/// <c>re = fsmn_re_L1(x_re) − fsmn_im_L1(x_im)</c>, <c>im = fsmn_re_L1(x_im) + fsmn_im_L1(x_re)</c> (each with its own
/// residual). Requires C = nIn. bfloat16 runs through <see cref="BFloat16Arithmetic"/>, one block of frames at a time.
/// </summary>
public sealed class ComplexUniDeepFsmnL1 : Module<Tensor, Tensor>
{
    /// <summary>Creates the block.</summary>
    public ComplexUniDeepFsmnL1(int nIn, int nHidden, int nOut)
    {
        FsmnReL1 = RegisterModule("fsmn_re_L1", new UniDeepFsmn(nIn, nOut, 20, nHidden));
        FsmnImL1 = RegisterModule("fsmn_im_L1", new UniDeepFsmn(nIn, nOut, 20, nHidden));
    }

    /// <summary>Real-weight FSMN.</summary>
    public UniDeepFsmn FsmnReL1 { get; }
    /// <summary>Imaginary-weight FSMN.</summary>
    public UniDeepFsmn FsmnImL1 { get; }

    /// <summary>Upstream layout: [B, C, H, T, 2] → same.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return ComplexLayout.Unpack(ForwardPacked(ComplexLayout.Pack(input))).MoveToOuterDisposeScope();
    }

    /// <summary>Packed layout: [B, 2C, H, T] → same.</summary>
    public Tensor ForwardPacked(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var s = x.shape;
        // Frames are independent: long inputs run in blocks of frames so the layout changes (C ↔ T transposes) and the
        // FSMN passes stay in cache instead of streaming several copies of a 100+ MB map through memory.
        long block = Math.Max(1, BlockValues / Math.Max(1, s[0] * s[1] * s[2]));
        if (s[3] <= block) return BFloat16Arithmetic.Run(x, Core).MoveToOuterDisposeScope();
        var output = torch.empty(s, x.dtype, x.device);
        for (long t0 = 0; t0 < s[3]; t0 += block)
        {
            using var inner = torch.NewDisposeScope();
            long n = Math.Min(block, s[3] - t0);
            output.narrow(3, t0, n).copy_(BFloat16Arithmetic.Run(x.narrow(3, t0, n), Core));
        }
        return output.MoveToOuterDisposeScope();
    }

    private const long BlockValues = 1L << 20;

    private Tensor Core(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var s = x.shape;
        long b = s[0], c = s[1] / 2, h = s[2], t = s[3];
        var z = x.view(b, 2, c, h, t).permute(1, 0, 4, 3, 2).reshape(2 * b * t, h, c); // [2·B·T, H, C]: re rows, then im rows
        var r = FsmnReL1.forward(z);
        var i = FsmnImL1.forward(z);
        long n = b * t;
        z.Dispose();                                                      // free large intermediates early
        r.narrow(0, 0, n).AddInPlace(i.narrow(0, n, n), -1);                   // re = fsmn_re(x_re) − fsmn_im(x_im), in place
        r.narrow(0, n, n).AddInPlace(i.narrow(0, 0, n));                        // im = fsmn_re(x_im) + fsmn_im(x_re)
        i.Dispose();
        var y = r.view(2, b, t, h, c).permute(1, 0, 4, 3, 2).reshape(b, 2 * c, h, t);
        return y.MoveToOuterDisposeScope();
    }
}
