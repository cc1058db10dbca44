using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer2Se;

/// <summary>
/// The FSMN memory of ClearerVoice's MossFormer2_SE_48K (<c>mossformer2_se/fsmn.py UniDeepFsmn</c>): <c>p =
/// project(ReLU(linear(x)))</c>, then one depthwise filter of <c>2·lorder − 1</c> taps per channel over time with
/// <c>lorder − 1</c> zero frames padded on <b>both</b> sides (non-causal, symmetric window: tap k multiplies frame
/// t + k − (lorder − 1), a cross-correlation), and two residuals: <c>x + p + conv(p)</c>. Keys <c>linear.weight/bias</c>,
/// <c>project.weight</c> (no bias), <c>conv1.weight</c> [D, 1, 2·lorder − 1, 1]. Not FRCRN's causal UniDeepFsmn, and
/// not MossFormer2_SS's dilated dense memory.
/// </summary>
public sealed class UniDeepFsmn : Module<Tensor, Tensor>
{
    /// <summary>Creates the memory (upstream <c>input_dim</c>, <c>output_dim</c>, <c>lorder</c>, <c>hidden_size</c>).</summary>
    public UniDeepFsmn(long inputDim, long outputDim, long lorder, long hiddenSize)
    {
        if (lorder < 1) throw new ArgumentOutOfRangeException(nameof(lorder), lorder, "lorder must be at least 1.");
        Lorder = lorder;
        linear = RegisterModule("linear", torch.nn.Linear(inputDim, hiddenSize));
        project = RegisterModule("project", torch.nn.Linear(hiddenSize, outputDim, hasBias: false));
        var conv1 = RegisterModule("conv1", torch.nn.Conv2d(outputDim, outputDim, (2 * lorder - 1, 1), groups: outputDim, bias: false));
        memory = RegisterModule("memory", new MemoryFilter(conv1, lorder));
    }

    private readonly Linear linear, project;
    private readonly MemoryFilter memory;

    /// <summary>Memory order: the filter spans <c>lorder − 1</c> past frames, the current one and <c>lorder − 1</c> future ones.</summary>
    public long Lorder { get; }

    /// <summary>[B, T, D] → [B, T, D].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var f = linear.call(input);                                       // [B, T, H]
        var p = project.call(F.relu(f));                                  // [B, T, D]
        var q = memory.call(p);                                           // [B, T, D]: conv1 over time
        return input.Add(p).Add(q).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The memory block: <c>conv1</c>'s depthwise filter over time on time-major [B, T, D] → [B, T, D] (upstream's Conv2d
    /// on [B, D, T, 1]), computed on the input viewed as a channels-last [B, D, 1, T] image (oneDNN's fast depthwise path;
    /// same values). No parameters of its own: the weights are <c>conv1</c>'s.
    /// </summary>
    private sealed class MemoryFilter(Conv2d conv1, long lorder) : Module<Tensor, Tensor>
    {
        public override Tensor forward(Tensor input)
        {
            using var scope = torch.NewDisposeScope();
            var x = input.unsqueeze(1).permute(0, 3, 1, 2);               // [B, D, 1, T] (channels-last memory)
            var w = conv1.weight!.permute(0, 1, 3, 2);                    // [D, 1, 1, K]
            var y = F.conv2d(x, w, null, padding: [0, lorder - 1], groups: conv1.groups); // [B, D, 1, T]
            return y.permute(0, 2, 3, 1).squeeze(1).MoveToOuterDisposeScope(); // [B, T, D]
        }
    }
}
