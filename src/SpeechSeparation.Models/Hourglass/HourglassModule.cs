using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>
/// One hourglass level (TF <c>hourglass</c>, level n): <c>up1</c> keeps the resolution, the lower branch max-pools 2×2
/// (TF "SAME", i.e. ceil mode), runs <c>low1</c>, the next level (or, at level 1, the innermost conv <c>low2</c>) and
/// <c>low3</c>, and is resized back by nearest neighbour; the output is the sum of both branches. Every conv is 3×3 + ReLU.
/// Keys: <c>up1</c>, <c>low1</c>, <c>low2</c> (a nested level or a conv), <c>low3</c>.
/// </summary>
public sealed class HourglassModule : Module<Tensor, Tensor>
{
    /// <summary>Creates level <paramref name="level"/> of width <paramref name="channels"/>; the lower branch is <paramref name="channels"/> + <paramref name="growth"/> wide.</summary>
    public HourglassModule(int level, int channels, int growth = 0)
    {
        if (level < 1) throw new ArgumentOutOfRangeException(nameof(level), "An hourglass has at least one level.");
        Level = level;
        int inner = channels + growth;
        Up1 = RegisterModule("up1", TfConv.Create(channels, channels, 3));
        Low1 = RegisterModule("low1", TfConv.Create(channels, inner, 3));
        Low2 = RegisterModule<torch.nn.Module<Tensor, Tensor>>("low2", level > 1 ? new HourglassModule(level - 1, inner, growth) : TfConv.Create(inner, inner, 3));
        Low3 = RegisterModule("low3", TfConv.Create(inner, channels, 3));
    }

    /// <summary>The level n (1 = innermost).</summary>
    public int Level { get; }
    /// <summary>Full-resolution branch.</summary>
    public Conv2d Up1 { get; }
    /// <summary>First conv after pooling (f → f + g).</summary>
    public Conv2d Low1 { get; }
    /// <summary>The next level (<see cref="HourglassModule"/>) or, at level 1, the innermost <see cref="Conv2d"/>.</summary>
    public torch.nn.Module<Tensor, Tensor> Low2 { get; }
    /// <summary>Last conv before up-sampling (f + g → f).</summary>
    public Conv2d Low3 { get; }

    /// <summary>[B, f, H, W] → [B, f, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var up1 = F.relu(Up1.forward(x));                                         // [B, f, H, W]
        var low = F.max_pool2d(x, (2, 2), ceil_mode: true);                       // [B, f, ⌈H/2⌉, ⌈W/2⌉]
        var low1 = F.relu(Low1.forward(low));                                     // [B, f+g, ., .]
        var low2 = Low2 is HourglassModule next ? next.forward(low1) : F.relu(Low2.forward(low1));
        var low3 = F.relu(Low3.forward(low2));                                    // [B, f, ⌈H/2⌉, ⌈W/2⌉]
        var up2 = F.interpolate(low3, [x.size(2), x.size(3)]);                    // nearest: src = ⌊dst·in/out⌋
        return up1.Add(up2).MoveToOuterDisposeScope();
    }
}
