using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Mask estimator shared by MossFormer and MossFormer2: GroupNorm → Conv1d(k=1) → + scaled sinusoidal positions →
/// <c>mdl</c> (<see cref="ComputeAttention"/> or MossFormer2's <c>ComputationBlock</c>) → PReLU → Conv1d(N → N·S) →
/// per speaker tanh(output) ⊙ σ(output_gate) → Conv1d(k=1, no bias) → ReLU. Keys as upstream (<c>norm</c>,
/// <c>conv1d_encoder</c>, <c>pos_enc</c>, <c>mdl</c>, <c>conv1d_out</c>, <c>conv1_decoder</c>, <c>prelu</c>,
/// <c>output.0</c>, <c>output_gate.0</c>).
/// </summary>
public sealed class MossFormerMaskNet : Module<Tensor, Tensor>
{
    /// <summary>Creates the mask net around <paramref name="mdl"/>.</summary>
    public MossFormerMaskNet(long inChannels, long outChannels, MaskNetCore mdl, string norm = "ln", long numSpks = 2,
        bool useGlobalPosEnc = true)
    {
        NumSpks = numSpks;
        this.norm = RegisterModule("norm", MaskNorm.Select(norm, inChannels));
        conv1dEncoder = RegisterModule("conv1d_encoder", torch.nn.Conv1d(inChannels, outChannels, 1, bias: false));
        if (useGlobalPosEnc) posEnc = RegisterModule("pos_enc", new ScaledSinuEmbedding(outChannels));
        this.mdl = RegisterModule("mdl", mdl);
        conv1dOut = RegisterModule("conv1d_out", torch.nn.Conv1d(outChannels, outChannels * numSpks, 1));
        conv1Decoder = RegisterModule("conv1_decoder", torch.nn.Conv1d(outChannels, inChannels, 1, bias: false));
        prelu = RegisterModule("prelu", torch.nn.PReLU(1));
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

    /// <summary>Encoder features [B, N, L] → masks [S, B, N, L].</summary>
    public override Tensor forward(Tensor input) => forward(input, null);

    /// <summary>As <see cref="forward(Tensor)"/>, reporting <c>masknet_mdl_in</c>, the core's intermediates,
    /// <c>masknet_mdl_out</c> and <c>masks</c>.</summary>
    public Tensor forward(Tensor input, TensorProbe? probe)
    {
        using var scope = torch.NewDisposeScope();
        var x = conv1dEncoder.forward(norm.forward(input));                 // [B, N, L]
        if (posEnc is not null) x = x + posEnc.ForLength(x.shape[2]).transpose(0, 1); // + [N, L]
        probe?.Invoke("masknet_mdl_in", x);
        x = mdl.forward(x, probe);                                          // [B, N, L]
        probe?.Invoke("masknet_mdl_out", x);
        x = conv1dOut.forward(prelu.forward(x));                            // [B, N·S, L]
        long b = x.shape[0], l = x.shape[2];
        x = x.view(b * NumSpks, -1, l);                                     // [B·S, N, L]
        x = output.forward(x) * outputGate.forward(x);
        x = conv1Decoder.forward(x);                                        // [B·S, N_in, L]
        x = x.view(b, NumSpks, -1, l).relu().transpose(0, 1);               // [S, B, N_in, L]
        probe?.Invoke("masks", x);
        return x.MoveToOuterDisposeScope();
    }
}
