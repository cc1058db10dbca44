using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// ModelScope's <c>ComplexUniDeepFsmn</c>, the temporal FSMN at the U-Net bottleneck: on [B, C, H, T, 2] with
/// C·H = nIn, each part is reshaped to [B, T, C·H] and two complex FSMN layers run along time
/// (<c>fsmn_re_L1/fsmn_im_L1</c>, then <c>fsmn_re_L2/fsmn_im_L2</c> on the first layer's complex output).
/// </summary>
public sealed class ComplexUniDeepFsmn : Module<Tensor, Tensor>
{
    /// <summary>Creates the block.</summary>
    public ComplexUniDeepFsmn(int nIn, int nHidden, int nOut)
    {
        FsmnReL1 = RegisterModule("fsmn_re_L1", new UniDeepFsmn(nIn, nHidden, 20, nHidden));
        FsmnImL1 = RegisterModule("fsmn_im_L1", new UniDeepFsmn(nIn, nHidden, 20, nHidden));
        FsmnReL2 = RegisterModule("fsmn_re_L2", new UniDeepFsmn(nHidden, nOut, 20, nHidden));
        FsmnImL2 = RegisterModule("fsmn_im_L2", new UniDeepFsmn(nHidden, nOut, 20, nHidden));
    }

    /// <summary>Layer 1, real weights.</summary>
    public UniDeepFsmn FsmnReL1 { get; }
    /// <summary>Layer 1, imaginary weights.</summary>
    public UniDeepFsmn FsmnImL1 { get; }
    /// <summary>Layer 2, real weights.</summary>
    public UniDeepFsmn FsmnReL2 { get; }
    /// <summary>Layer 2, imaginary weights.</summary>
    public UniDeepFsmn FsmnImL2 { get; }

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
        long b = s[0], c = s[1] / 2, h = s[2], t = s[3];
        var z = x.view(b, 2, c * h, t).permute(1, 0, 3, 2).reshape(2 * b, t, c * h); // [2B, T, C·H]: re, then im
        z = Layer(z, b, FsmnReL1, FsmnImL1);
        z = Layer(z, b, FsmnReL2, FsmnImL2);
        var y = z.view(2, b, t, c * h).permute(1, 0, 3, 2).reshape(b, 2 * c, h, t);
        return y.MoveToOuterDisposeScope();
    }

    private static Tensor Layer(Tensor z, long b, UniDeepFsmn fre, UniDeepFsmn fim)
    {
        var r = fre.forward(z);
        var i = fim.forward(z);
        var re = r.narrow(0, 0, b) - i.narrow(0, b, b);
        var im = r.narrow(0, b, b).Add(i.narrow(0, 0, b));
        return torch.cat([re, im], 0);                                    // [2B, T, D]
    }
}
