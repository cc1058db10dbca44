using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

using PReLU = SpeechSeparation.Tensors.NN.PReLU;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Mask estimator shared by MossFormer and MossFormer2: GroupNorm → Conv1d(k=1) → + scaled sinusoidal positions →
/// <c>mdl</c> (<see cref="ComputeAttention"/> or MossFormer2's <c>ComputationBlock</c>) → PReLU → Conv1d(N → N·S) →
/// per speaker tanh(output) ⊙ σ(output_gate) → Conv1d(k=1, no bias) → ReLU. Keys as upstream (<c>norm</c>,
/// <c>conv1d_encoder</c>, <c>pos_enc</c>, <c>mdl</c>, <c>conv1d_out</c>, <c>conv1_decoder</c>, <c>prelu</c>,
/// <c>output.0</c>, <c>output_gate.0</c>). ClearerVoice's MossFormer2_SE_48K uses it with a decoder width
/// (<c>out_channels_final</c>, 961 STFT bins) other than the input width and keeps speaker 0 only
/// (<see cref="ForwardSpeaker"/>).
/// </summary>
public sealed class MossFormerMaskNet : Module<Tensor, Tensor>
{
    /// <summary>Creates the mask net around <paramref name="mdl"/>.</summary>
    /// <param name="inChannels">Input features N_in.</param>
    /// <param name="outChannels">Width N of the core.</param>
    /// <param name="mdl">The core.</param>
    /// <param name="norm">Input normalisation ("ln").</param>
    /// <param name="numSpks">Speakers S (heads of <c>conv1d_out</c>).</param>
    /// <param name="useGlobalPosEnc">Add the scaled sinusoidal positions.</param>
    /// <param name="outChannelsFinal">Output width of <c>conv1_decoder</c> (upstream <c>out_channels_final</c>); null =
    /// <paramref name="inChannels"/>, as in the separation models.</param>
    public MossFormerMaskNet(long inChannels, long outChannels, MaskNetCore mdl, string norm = "ln", long numSpks = 2,
        bool useGlobalPosEnc = true, long? outChannelsFinal = null)
    {
        NumSpks = numSpks;
        OutChannels = outChannels;
        OutChannelsFinal = outChannelsFinal ?? inChannels;
        this.norm = RegisterModule("norm", MaskNorm.Select(norm, inChannels));
        conv1dEncoder = RegisterModule("conv1d_encoder", torch.nn.Conv1d(inChannels, outChannels, 1, bias: false));
        if (useGlobalPosEnc) posEnc = RegisterModule("pos_enc", new ScaledSinuEmbedding(outChannels));
        this.mdl = RegisterModule("mdl", mdl);
        conv1dOut = RegisterModule("conv1d_out", torch.nn.Conv1d(outChannels, outChannels * numSpks, 1));
        conv1Decoder = RegisterModule("conv1_decoder", torch.nn.Conv1d(outChannels, OutChannelsFinal, 1, bias: false));
        prelu = RegisterModule("prelu", new PReLU(1));
        output = RegisterModule("output", torch.nn.Sequential(torch.nn.Conv1d(outChannels, outChannels, 1), torch.nn.Tanh()));
        outputGate = RegisterModule("output_gate", torch.nn.Sequential(torch.nn.Conv1d(outChannels, outChannels, 1), torch.nn.Sigmoid()));
    }

    private readonly torch.nn.Module<Tensor, Tensor> norm;
    private readonly Conv1d conv1dEncoder, conv1dOut, conv1Decoder;
    private readonly ScaledSinuEmbedding? posEnc;
    private readonly MaskNetCore mdl;
    private readonly PReLU prelu;
    private readonly Sequential output, outputGate;

    /// <summary>Number of speakers S.</summary>
    public long NumSpks { get; }

    /// <summary>Width N of the core.</summary>
    public long OutChannels { get; }

    /// <summary>Width of each speaker's output (the decoder's output channels).</summary>
    public long OutChannelsFinal { get; }

    /// <summary>Encoder features [B, N, L] → masks [S, B, N, L].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = conv1dOut.call(prelu.call(Core(input)));                    // [B, N·S, L]
        long b = x.shape[0], l = x.shape[2];
        x = x.view(b * NumSpks, -1, l);                                     // [B·S, N, L]
        x = output.call(x) * outputGate.call(x);                            // tanh(·) ⊙ σ(·)
        x = conv1Decoder.call(x);                                           // [B·S, N_out, L]
        return x.view(b, NumSpks, -1, l).relu().transpose(0, 1).MoveToOuterDisposeScope(); // [S, B, N_out, L]
    }

    /// <summary>
    /// The mask of one speaker only, [B, N_in, L] → [B, N_out, L]: the same values as <c>forward(input)[speaker]</c>,
    /// computing only that speaker's rows of <c>conv1d_out</c> and its gate and decoder (MossFormer2_SE_48K uses speaker 0
    /// of two).
    /// </summary>
    public Tensor ForwardSpeaker(Tensor input, int speaker = 0)
    {
        if (speaker < 0 || speaker >= NumSpks) throw new ArgumentOutOfRangeException(nameof(speaker), speaker, $"Speaker must be in [0, {NumSpks}).");
        using var scope = torch.NewDisposeScope();
        var x = prelu.forward(Core(input));                                 // [B, N, L]
        long n = OutChannels;
        var w = conv1dOut.weight!.narrow(0, speaker * n, n);                // [N, N, 1]
        var bias = conv1dOut.bias is null ? null : conv1dOut.bias.narrow(0, speaker * n, n);
        x = F.conv1d(x, w, bias);                                           // [B, N, L]
        x = output.forward(x) * outputGate.forward(x);
        x = conv1Decoder.forward(x).relu();                                 // [B, N_out, L]
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>norm → conv1d_encoder → + positions → mdl: [B, N_in, L] → [B, N, L].</summary>
    private Tensor Core(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = conv1dEncoder.call(norm.call(input));                       // [B, N, L]
        if (posEnc is not null) x = x.Add(posEnc.ForLength(x.shape[2]).transpose(0, 1)); // + [N, L]
        return mdl.call(x).MoveToOuterDisposeScope();                       // [B, N, L]
    }
}
