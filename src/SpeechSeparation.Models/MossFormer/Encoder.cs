using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Learned analysis filterbank: <c>Conv1d(1 → N, kernel k, stride k/2, no bias)</c> followed by ReLU
/// (key <c>conv1d.weight</c> [N, 1, k]). Shared by MossFormer and MossFormer2.
/// </summary>
public sealed class Encoder : Module<Tensor, Tensor>
{
    /// <summary>Creates the encoder (<c>kernel_size</c>, <c>out_channels</c>, <c>in_channels</c> as upstream).</summary>
    public Encoder(long kernelSize = 2, long outChannels = 64, long inChannels = 1)
    {
        InChannels = inChannels;
        conv1d = RegisterModule("conv1d", torch.nn.Conv1d(inChannels, outChannels, kernelSize, stride: kernelSize / 2, bias: false));
    }

    private readonly Conv1d conv1d;

    /// <summary>Input channels (1 for a waveform).</summary>
    public long InChannels { get; }

    /// <summary>[B, T] (or [B, 1, T]) waveform → [B, N, L], L = ⌊(T − k)/(k/2)⌋ + 1.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = InChannels == 1 && input.ndim == 2 ? input.unsqueeze(1) : input; // [B, 1, T]
        return F.relu(conv1d.forward(x)).MoveToOuterDisposeScope();             // [B, N, L]
    }
}
