using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Hourglass;

/// <summary>
/// The stacked hourglass mask network of Park et al. (ISMIR 2018), as in the authors' TF code (no batch norm, linear
/// mask heads): a five-conv stem, <see cref="HourglassConfig.NumStacks"/> <see cref="HourglassModule"/>s, per stack
/// 3×3 and 1×1 convs and a 1×1 mask head, and residual links <c>inter += tmp(y) + tmp_out(pred)</c> between stacks.
/// Input: the normalised mixture magnitude [B, 1, F, T] (F = frequency, T = frames; any size); output: the masks of
/// every stack [stacks, B, S, F, T] (only the last one is used at inference; all of them in the loss).
/// Keys: <c>cnv1</c>…<c>cnv4</c>, <c>hgs.{s}.*</c>, <c>cnv5.{s}</c>, <c>cnv6.{s}</c>, <c>out.{s}</c>, <c>tmp.{s}</c>, <c>tmp_out.{s}</c>.
/// </summary>
public sealed class StackedHourglassNet : Module<Tensor, Tensor>
{
    /// <summary>Creates the network with the TF initialiser (weights N(0, 1/fan_in), biases 0).</summary>
    public StackedHourglassNet(HourglassConfig config)
    {
        config.Validate();
        Config = config;
        var (stem, f, S, K) = (config.Stem, config.Channels, config.NumSources, config.NumStacks);
        Cnv1 = RegisterModule("cnv1", TfConv.Create(1, stem[0], 7));
        Cnv2 = RegisterModule("cnv2", TfConv.Create(stem[0], stem[1], 3));
        Cnv2b = RegisterModule("cnv2b", TfConv.Create(stem[1], stem[2], 3));
        Cnv3 = RegisterModule("cnv3", TfConv.Create(stem[2], stem[3], 3));
        Cnv4 = RegisterModule("cnv4", TfConv.Create(stem[3], f, 3));
        Hgs = RegisterModule("hgs", new ModuleList<HourglassModule>([.. Enumerable.Range(0, K).Select(_ => new HourglassModule(config.Depth, f, config.Growth))]));
        Cnv5 = RegisterModule("cnv5", new ModuleList<Conv2d>([.. Enumerable.Range(0, K).Select(_ => TfConv.Create(f, f, 3))]));
        Cnv6 = RegisterModule("cnv6", new ModuleList<Conv2d>([.. Enumerable.Range(0, K).Select(_ => TfConv.Create(f, f, 1))]));
        Out = RegisterModule("out", new ModuleList<Conv2d>([.. Enumerable.Range(0, K).Select(_ => TfConv.Create(f, S, 1))]));
        Tmp = RegisterModule("tmp", new ModuleList<Conv2d>([.. Enumerable.Range(0, K - 1).Select(_ => TfConv.Create(f, f, 1))]));
        TmpOut = RegisterModule("tmp_out", new ModuleList<Conv2d>([.. Enumerable.Range(0, K - 1).Select(_ => TfConv.Create(S, f, 1))]));
    }

    /// <summary>The hyper-parameters.</summary>
    public HourglassConfig Config { get; }
    /// <summary>Stem: 7×7, 1 → stem[0].</summary>
    public Conv2d Cnv1 { get; }
    /// <summary>Stem: 3×3, stem[0] → stem[1].</summary>
    public Conv2d Cnv2 { get; }
    /// <summary>Stem: 3×3, stem[1] → stem[2].</summary>
    public Conv2d Cnv2b { get; }
    /// <summary>Stem: 3×3, stem[2] → stem[3].</summary>
    public Conv2d Cnv3 { get; }
    /// <summary>Stem: 3×3, stem[3] → f.</summary>
    public Conv2d Cnv4 { get; }
    /// <summary>One hourglass per stack.</summary>
    public ModuleList<HourglassModule> Hgs { get; }
    /// <summary>3×3 f → f + ReLU after each hourglass.</summary>
    public ModuleList<Conv2d> Cnv5 { get; }
    /// <summary>1×1 f → f + ReLU.</summary>
    public ModuleList<Conv2d> Cnv6 { get; }
    /// <summary>Linear 1×1 mask heads f → S.</summary>
    public ModuleList<Conv2d> Out { get; }
    /// <summary>Linear 1×1 f → f links to the next stack.</summary>
    public ModuleList<Conv2d> Tmp { get; }
    /// <summary>Linear 1×1 S → f links from the masks to the next stack.</summary>
    public ModuleList<Conv2d> TmpOut { get; }

    /// <summary>[B, 1, F, T] → masks of every stack [stacks, B, S, F, T].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var inter = F.relu(Cnv1.forward(x));                                      // [B, stem0, F, T]
        inter = F.relu(Cnv2.forward(inter));
        inter = F.relu(Cnv2b.forward(inter));
        inter = F.relu(Cnv3.forward(inter));
        inter = F.relu(Cnv4.forward(inter));                                      // [B, f, F, T]
        var preds = new List<Tensor>();
        for (int s = 0; s < Config.NumStacks; s++)
        {
            var y = Hgs[s].forward(inter);                                        // [B, f, F, T]
            y = F.relu(Cnv5[s].forward(y));
            y = F.relu(Cnv6[s].forward(y));
            var pred = Out[s].forward(y);                                         // [B, S, F, T]
            preds.Add(pred);
            if (s < Config.NumStacks - 1) inter = inter.Add(Tmp[s].forward(y)).Add(TmpOut[s].forward(pred));
        }
        return torch.stack(preds).MoveToOuterDisposeScope();                      // [stacks, B, S, F, T]
    }
}
