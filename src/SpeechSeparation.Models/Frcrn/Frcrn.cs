using TorchSharp.Modules;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// FRCRN speech enhancement (Zhao et al., ICASSP 2022; ModelScope <c>damo/speech_frcrn_ans_cirm_16k</c>, ClearerVoice
/// <c>FRCRN_SE_16K</c>): <see cref="ConvStft"/> → two cascaded complex <see cref="UNet"/>s (the second takes the first's
/// pre-tanh output) → bounded complex ratio masks <c>m1 = tanh(u1)</c>, <c>m2 = tanh(u2) + m1</c> applied to the noisy
/// spectrum → <see cref="ConviStft"/>. Keys as upstream: <c>stft.*</c>, <c>istft.*</c>, <c>unet.*</c>, <c>unet2.*</c>.
/// </summary>
/// <remarks>
/// The U-Nets may be converted to another precision on their own (<c>model.Unet.to(ScalarType.BFloat16)</c> and the
/// same for <see cref="Unet2"/>): the spectrum is then converted to their dtype on the way in and their outputs back,
/// so the STFTs and the mask application keep the input's precision.
/// </remarks>
public sealed class Frcrn : Module<Tensor, FrcrnOutput>
{
    /// <summary>Builds the network (random weights, fixed STFT kernels from the formulas).</summary>
    public Frcrn(FrcrnConfig? config = null)
    {
        Config = config ?? FrcrnConfig.Published;
        Config.Validate();
        Stft = RegisterModule("stft", new ConvStft(Config.WinLen, Config.WinInc, Config.FftLen, Config.WinType));
        Istft = RegisterModule("istft", new ConviStft(Config.WinLen, Config.WinInc, Config.FftLen, Config.WinType));
        Unet = RegisterModule("unet", new UNet(1, Config.Width));
        Unet2 = RegisterModule("unet2", new UNet(1, Config.Width));
    }

    /// <summary>The configuration.</summary>
    public FrcrnConfig Config { get; }
    /// <summary>Analysis transform.</summary>
    public ConvStft Stft { get; }
    /// <summary>Synthesis transform.</summary>
    public ConviStft Istft { get; }
    /// <summary>First U-Net.</summary>
    public UNet Unet { get; }
    /// <summary>Second U-Net (learns the mask residual).</summary>
    public UNet Unet2 { get; }

    /// <summary>
    /// Loads a published FRCRN checkpoint (ModelScope <c>pytorch_model.bin</c>, ClearerVoice's checkpoint, or a training
    /// checkpoint with decorator-level <c>model.</c> keys); see <see cref="FrcrnCheckpoint"/>.
    /// </summary>
    public static Frcrn FromCheckpoint(string path, FrcrnConfig? config = null)
    {
        var model = new Frcrn(config);
        try
        {
            FrcrnCheckpoint.Load(model, Serialization.StateDict.Load(path));
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Noisy waveform [B, N] (or [B, 1, N]) → all stage outputs.</summary>
    public override FrcrnOutput forward(Tensor noisy)
    {
        using var scope = torch.NewDisposeScope();
        var x = Stft.forward(noisy);                                      // [B, 2F, T]
        long b = x.size(0), f = x.size(1) / 2, t = x.size(2);
        var spec = x.view(b, 2, f, t);                                    // packed [B, 2, F, T] = [B, 1, F, T, 2] upstream
        var (u1, u2) = RunUnets(spec);                                    // [B, 2, F, T] each
        var m1 = u1.tanh();
        var m2 = u2.tanh().Add(m1);                                          // in (−2, 2)
        var (s1, w1) = Apply(spec, m1);
        var (s2, w2) = Apply(spec, m2);
        var result = new FrcrnOutput(
            s1.MoveToOuterDisposeScope(), w1.MoveToOuterDisposeScope(), m1.reshape(b, 2 * f, t).MoveToOuterDisposeScope(),
            s2.MoveToOuterDisposeScope(), w2.MoveToOuterDisposeScope(), m2.reshape(b, 2 * f, t).MoveToOuterDisposeScope(),
            ComplexLayout.Unpack(u1).MoveToOuterDisposeScope());
        return result;
    }

    /// <summary>The enhanced waveform only (stage 2): [B, N] → [B, (T−1)·hop + win_len].</summary>
    public Tensor Enhance(Tensor noisy)
    {
        using var scope = torch.NewDisposeScope();
        var x = Stft.forward(noisy);
        long b = x.size(0), f = x.size(1) / 2, t = x.size(2);
        var spec = x.view(b, 2, f, t);
        var (u1, u2) = RunUnets(spec);
        var m2 = u2.tanh().Add(u1.tanh());
        return Apply(spec, m2).Wave.MoveToOuterDisposeScope();
    }

    // Both U-Nets (the second takes the first's pre-tanh output, as upstream), in the U-Nets' dtype; results in the
    // spectrum's dtype.
    private (Tensor U1, Tensor U2) RunUnets(Tensor spec)
    {
        using var scope = torch.NewDisposeScope();
        var dtype = Unet.parameters().First().dtype;
        var input = spec.dtype == dtype ? spec : spec.to(dtype);
        var u1 = Unet.ForwardPacked(input);
        var u2 = Unet2.ForwardPacked(u1);
        if (u1.dtype != spec.dtype) (u1, u2) = (u1.to(spec.dtype), u2.to(spec.dtype));
        return (u1.MoveToOuterDisposeScope(), u2.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Enhances a 16 kHz mono signal with the upstream inference pipeline (default: ModelScope's, see
    /// <see cref="FrcrnPipeline"/>) and returns the enhanced samples, one per input sample.
    /// </summary>
    public float[] Enhance(float[] samples16k, FrcrnPipelineOptions? options = null) =>
        FrcrnPipeline.Enhance(this, samples16k, options);

    // Complex product of the noisy spectrum with a mask, then the inverse STFT: ([B, 2F, T], [B, N']).
    private (Tensor Spec, Tensor Wave) Apply(Tensor spec, Tensor m)
    {
        using var scope = torch.NewDisposeScope();
        long b = spec.size(0), f = spec.size(2), t = spec.size(3);
        Tensor sRe = spec.narrow(1, 0, 1), sIm = spec.narrow(1, 1, 1), mRe = m.narrow(1, 0, 1), mIm = m.narrow(1, 1, 1);
        var eRe = sRe * mRe - sIm * mIm;
        var eIm = (sRe * mIm).Add(sIm * mRe);
        var est = torch.cat([eRe, eIm], 1).view(b, 2 * f, t);            // [B, 2F, T]
        var wav = Istft.forward(est).squeeze(1);                         // [B, N']
        return (est.MoveToOuterDisposeScope(), wav.MoveToOuterDisposeScope());
    }
}
