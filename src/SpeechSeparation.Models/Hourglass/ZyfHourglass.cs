using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>
/// ZYF's <c>Hourglass(depth, c, add)</c>: output = <c>skip</c>(x) + <c>model</c>(x), with <c>model</c> = MaxPool2d(2) →
/// Conv(c, c+add) → [Hourglass(depth−1, c+add, add) if depth &gt; 0 else Conv(c+add, c+add)] → Conv(c+add, c) → ×2
/// nearest up-sampling. Depth d pools d + 1 times. Keys: <c>model.1</c>, <c>model.2</c>, <c>model.3</c>, <c>skip</c>.
/// </summary>
public sealed class ZyfHourglass : Module<Tensor, Tensor>
{
    /// <summary>Creates the module (PyTorch's default initialisation).</summary>
    public ZyfHourglass(int depth, int channels, int add)
    {
        int inner = channels + add;
        Model = RegisterModule("model", torch.nn.Sequential(
            new MaxPool2x2(),
            new ZyfConv(channels, inner),
            depth > 0 ? new ZyfHourglass(depth - 1, inner, add) : new ZyfConv(inner, inner),
            new ZyfConv(inner, channels),
            new UpsamplingNearest2x()));
        Skip = RegisterModule("skip", new ZyfConv(channels, channels));
    }

    /// <summary>Pooled branch.</summary>
    public Sequential Model { get; }
    /// <summary>Full-resolution branch.</summary>
    public ZyfConv Skip { get; }

    /// <summary>[B, c, H, W] → [B, c, H, W] (H and W multiples of 2^(depth+1)).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return Skip.forward(x).Add(Model.forward(x)).MoveToOuterDisposeScope();
    }
}
