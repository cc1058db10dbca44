using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>The TF code's convolution: stride 1, "SAME" padding, bias; weights N(0, 1/(kh·kw·c_in)), biases 0.</summary>
internal static class TfConv
{
    /// <summary>A k×k convolution (odd k, symmetric k/2 padding) with the TF initialiser.</summary>
    public static Conv2d Create(int inChannels, int outChannels, int kernel)
    {
        var conv = torch.nn.Conv2d(inChannels, outChannels, kernel, padding: kernel / 2);
        torch.nn.init.normal_(conv.weight, 0, Math.Sqrt(1.0 / (kernel * kernel * inChannels)));
        using (torch.no_grad()) conv.bias!.zero_();
        return conv;
    }
}
