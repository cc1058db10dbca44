using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// Complex squeeze-excitation (ModelScope <c>se_module_complex.SELayer</c>): the means <c>a_re, a_im</c> of each part
/// over the whole (H, T) plane go through <c>fc_r</c> and <c>fc_i</c> (Linear C→C/r, ReLU, Linear C/r→C, Sigmoid);
/// <c>y_re = fc_r(a_re) − fc_i(a_im)</c>, <c>y_im = fc_r(a_im) + fc_i(a_re)</c>; the real part is scaled by
/// <c>y_re</c> and the imaginary part by <c>y_im</c> per channel (not a complex product). Pooling over the whole
/// utterance makes FRCRN non-causal and sensitive to zero padding.
/// </summary>
public sealed class SELayer : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public SELayer(int channel, int reduction = 8)
    {
        Channel = channel;
        FcR = RegisterModule("fc_r", torch.nn.Sequential(torch.nn.Linear(channel, channel / reduction), torch.nn.ReLU(), torch.nn.Linear(channel / reduction, channel), torch.nn.Sigmoid()));
        FcI = RegisterModule("fc_i", torch.nn.Sequential(torch.nn.Linear(channel, channel / reduction), torch.nn.ReLU(), torch.nn.Linear(channel / reduction, channel), torch.nn.Sigmoid()));
    }

    /// <summary>Channels C.</summary>
    public int Channel { get; }
    /// <summary>Excitation of the real weights.</summary>
    public Sequential FcR { get; }
    /// <summary>Excitation of the imaginary weights.</summary>
    public Sequential FcI { get; }

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
        long b = x.size(0), c = x.size(1) / 2;
        var a = x.mean([2, 3]).view(b, 2, c).transpose(0, 1).reshape(2 * b, c); // [2B, C]: a_re, then a_im
        var r = FcR.forward(a);
        var i = FcI.forward(a);
        var yRe = r.narrow(0, 0, b) - i.narrow(0, b, b);                      // fc_r(a_re) − fc_i(a_im)
        var yIm = r.narrow(0, b, b).Add(i.narrow(0, 0, b));                      // fc_r(a_im) + fc_i(a_re)
        var y = torch.cat([yRe, yIm], 1).view(b, 2 * c, 1, 1);              // [B, 2C, 1, 1]
        return (x * y).MoveToOuterDisposeScope();
    }
}
