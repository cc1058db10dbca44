using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>
/// The student re-implementation ZYFZYF/Music-Source-Separation (<c>Model.StackedHourglassNet</c>): batch norm and ReLU
/// after every conv (so masks are ≥ 0), five pooling levels, and stacks linked by <c>x = merge(pred) + next(y)</c>
/// without carrying the stack input over. Input [B, 1, F, T] with F and T multiples of 32; output [stacks, B, S, F, T].
/// Keys: <c>prepare.*</c>, <c>hourglass.{s}.{0,1,2}.*</c>, <c>output.{s}</c>, <c>next.{s}</c>, <c>merge.{s}</c>.
/// </summary>
public sealed class ZyfStackedHourglassNet : Module<Tensor, Tensor>
{
    /// <summary>Creates the network (PyTorch's default initialisation).</summary>
    public ZyfStackedHourglassNet(ZyfHourglassConfig config)
    {
        Config = config;
        var (c, add, S, K) = (config.FirstDepthChannels, config.NextDepthAddChannels, config.OutputChannels, config.NumStacks);
        Prepare = RegisterModule("prepare", torch.nn.Sequential(new ZyfConv(1, 64, 7), new ZyfConv(64, 128), new ZyfConv(128, 128), new ZyfConv(128, c)));
        Hourglass = RegisterModule("hourglass", new ModuleList<Sequential>([.. Enumerable.Range(0, K).Select(_ =>
            torch.nn.Sequential(new ZyfHourglass(config.Depth, c, add), new ZyfConv(c, c), new ZyfConv(c, c, 1)))]));
        Output = RegisterModule("output", new ModuleList<ZyfConv>([.. Enumerable.Range(0, K).Select(_ => new ZyfConv(c, S))]));
        Next = RegisterModule("next", new ModuleList<ZyfConv>([.. Enumerable.Range(0, K - 1).Select(_ => new ZyfConv(c, c))]));
        Merge = RegisterModule("merge", new ModuleList<ZyfConv>([.. Enumerable.Range(0, K - 1).Select(_ => new ZyfConv(S, c))]));
    }

    /// <summary>The hyper-parameters.</summary>
    public ZyfHourglassConfig Config { get; }
    /// <summary>Stem: Conv(1, 64, 7), Conv(64, 128), Conv(128, 128), Conv(128, first).</summary>
    public Sequential Prepare { get; }
    /// <summary>Per stack: hourglass, Conv(first, first), Conv(first, first, k=1).</summary>
    public ModuleList<Sequential> Hourglass { get; }
    /// <summary>Mask heads Conv(first, S) (3×3, BN, ReLU).</summary>
    public ModuleList<ZyfConv> Output { get; }
    /// <summary>Links from the stack's features to the next stack.</summary>
    public ModuleList<ZyfConv> Next { get; }
    /// <summary>Links from the stack's masks to the next stack.</summary>
    public ModuleList<ZyfConv> Merge { get; }

    /// <summary>[B, 1, F, T] → masks of every stack [stacks, B, S, F, T].</summary>
    public override Tensor forward(Tensor x)
    {
        int levels = Config.PoolingLevels;
        long unit = 1L << levels;
        if (x.size(2) % unit != 0 || x.size(3) % unit != 0)
            throw new ArgumentException($"ZyfStackedHourglassNet needs F and T divisible by {unit} ({levels} pooling levels), got [{string.Join(", ", x.shape)}].", nameof(x));
        using var scope = torch.NewDisposeScope();
        var h = Prepare.forward(x);                                               // [B, first, F, T]
        var preds = new List<Tensor>();
        for (int s = 0; s < Config.NumStacks; s++)
        {
            h = Hourglass[s].forward(h);                                          // [B, first, F, T]
            var pred = Output[s].forward(h);                                      // [B, S, F, T]
            preds.Add(pred);
            if (s < Config.NumStacks - 1) h = Merge[s].forward(pred).Add(Next[s].forward(h));
        }
        return torch.stack(preds).MoveToOuterDisposeScope();                      // [stacks, B, S, F, T]
    }
}
