using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>
/// ZYF's <c>Conv</c>: Conv2d (padding (k−1)/2) → BatchNorm2d → ReLU in a Sequential named <c>model</c>
/// (keys <c>model.0.*</c> conv, <c>model.1.*</c> batch norm). Used for every layer of <see cref="ZyfStackedHourglassNet"/>.
/// </summary>
public sealed class ZyfConv : Module<Tensor, Tensor>
{
    /// <summary>Creates the block with PyTorch's default initialisation.</summary>
    public ZyfConv(int inChannels, int outChannels, int kernel = 3)
    {
        Model = RegisterModule("model", torch.nn.Sequential(
            torch.nn.Conv2d(inChannels, outChannels, kernel, padding: (kernel - 1) / 2),
            new Tensors.NN.BatchNorm2d(outChannels),
            torch.nn.ReLU()));
    }

    /// <summary>conv, batch norm, ReLU.</summary>
    public Sequential Model { get; }

    /// <summary>[B, C_in, H, W] → [B, C_out, H, W].</summary>
    public override Tensor forward(Tensor x) => Model.forward(x);
}

/// <summary>2×2 max pooling with stride 2 in floor mode (<c>nn.MaxPool2d(2)</c>); no parameters.</summary>
public sealed class MaxPool2x2 : Module<Tensor, Tensor>
{
    /// <summary>[B, C, H, W] → [B, C, ⌊H/2⌋, ⌊W/2⌋].</summary>
    public override Tensor forward(Tensor x) => torch.nn.functional.max_pool2d(x, (2, 2));
}

/// <summary>Nearest-neighbour ×2 up-sampling (<c>nn.UpsamplingNearest2d(scale_factor=2)</c>); no parameters.</summary>
public sealed class UpsamplingNearest2x : Module<Tensor, Tensor>
{
    /// <summary>[B, C, H, W] → [B, C, 2H, 2W].</summary>
    public override Tensor forward(Tensor x) => torch.nn.functional.interpolate(x, [2 * x.size(2), 2 * x.size(3)]);
}
