using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// FRCRN's complex U-Net at depth 14 (ModelScope <c>unet.py</c>): seven <see cref="Encoder"/>s with a frequency FSMN
/// (<see cref="ComplexUniDeepFsmnL1"/>) before encoders 1..6 and an <see cref="SELayer"/> on each skip, a temporal
/// <see cref="ComplexUniDeepFsmn"/> at the bottleneck, seven <see cref="Decoder"/>s each followed (except the last) by a
/// frequency FSMN and (decoders 0..4) an SE layer, then the skip concatenation, and a 1×1 <see cref="ComplexConv2d"/>
/// (<c>linear</c>) without activation. [B, 1, 321, T, 2] → [B, 1, 321, T, 2].
/// Every stage is registered twice, as upstream: under its own name (<c>encoder3</c>) and in a ModuleList alias
/// (<c>encoders.3</c>), so the state dict lists both names for the same tensors.
/// </summary>
public sealed class UNet : Module<Tensor, Tensor>
{
    private static readonly (long, long) Stride = (2, 1);
    private static readonly (long, long) Pad = (0, 1);

    /// <summary>Creates the U-Net; <paramref name="width"/> replaces upstream's hard-coded 128.</summary>
    public UNet(int inputChannels = 1, int width = 128)
    {
        int w = width;
        Fsmn = RegisterModule("fsmn", new ComplexUniDeepFsmn(w, w, w));
        var encKernels = new (long, long)[] { (5, 2), (5, 2), (5, 2), (5, 2), (5, 2), (5, 2), (2, 2) };
        var encIn = new long[] { inputChannels, w, w, w, w, w, w };
        for (int i = 0; i < 7; i++)
        {
            FsmnEnc.Add(RegisterModule($"fsmn_enc{i}", new ComplexUniDeepFsmnL1(w, w, w)));
            Encoders.Add(RegisterModule($"encoder{i}", new Encoder(encIn[i], w, encKernels[i], Stride, Pad)));
            SeLayersEnc.Add(RegisterModule($"se_layer_enc{i}", new SELayer(w, 8)));
        }
        var decKernels = new (long, long)[] { (2, 2), (5, 2), (5, 2), (5, 2), (6, 2), (5, 2), (5, 2) };
        // dec_channels = [w/2, w ×6, 1]; decoder i takes 2·dec_channels[i] channels.
        var decIn = new long[] { w, 2 * w, 2 * w, 2 * w, 2 * w, 2 * w, 2 * w };
        var decOut = new long[] { w, w, w, w, w, w, inputChannels };
        for (int i = 0; i < 7; i++)
        {
            FsmnDec.Add(RegisterModule($"fsmn_dec{i}", new ComplexUniDeepFsmnL1(w, w, w)));
            Decoders.Add(RegisterModule($"decoder{i}", new Decoder(decIn[i], decOut[i], decKernels[i], Stride, Pad)));
            if (i < 6) SeLayersDec.Add(RegisterModule($"se_layer_dec{i}", new SELayer(w, 8)));
        }
        Linear = RegisterModule("linear", new ComplexConv2d(inputChannels, inputChannels, (1, 1)));
        // ModuleList aliases (same module objects), in upstream's registration order.
        RegisterModule("decoders", new ModuleList<Decoder>([.. Decoders]));
        RegisterModule("encoders", new ModuleList<Encoder>([.. Encoders]));
        RegisterModule("se_layers_enc", new ModuleList<SELayer>([.. SeLayersEnc]));
        RegisterModule("se_layers_dec", new ModuleList<SELayer>([.. SeLayersDec]));
        RegisterModule("fsmn_enc", new ModuleList<ComplexUniDeepFsmnL1>([.. FsmnEnc]));
        RegisterModule("fsmn_dec", new ModuleList<ComplexUniDeepFsmnL1>([.. FsmnDec]));
    }

    /// <summary>Bottleneck temporal FSMN.</summary>
    public ComplexUniDeepFsmn Fsmn { get; }
    /// <summary>Frequency FSMNs before the encoders (index 0 exists but is never used).</summary>
    public List<ComplexUniDeepFsmnL1> FsmnEnc { get; } = [];
    /// <summary>Encoders 0..6.</summary>
    public List<Encoder> Encoders { get; } = [];
    /// <summary>SE layers on the skips (index 6 is never read).</summary>
    public List<SELayer> SeLayersEnc { get; } = [];
    /// <summary>Frequency FSMNs after the decoders (index 6 is never used).</summary>
    public List<ComplexUniDeepFsmnL1> FsmnDec { get; } = [];
    /// <summary>Decoders 0..6.</summary>
    public List<Decoder> Decoders { get; } = [];
    /// <summary>SE layers after decoders 0..5 (index 5 is never used).</summary>
    public List<SELayer> SeLayersDec { get; } = [];
    /// <summary>Final 1×1 complex convolution.</summary>
    public ComplexConv2d Linear { get; }

    /// <summary>Upstream layout: [B, 1, F, T, 2] → [B, 1, F, T, 2].</summary>
    public override Tensor forward(Tensor input) => forward(input, null);

    /// <summary>
    /// Upstream layout with taps: when <paramref name="taps"/> is given, the output of every sub-module that runs is added
    /// under its upstream name (<c>encoder0</c>, <c>fsmn_enc1</c>, <c>fsmn</c>, <c>decoder0</c>, <c>se_layer_dec0</c>…) as
    /// [B, C, H, T, 2]; the caller owns (disposes) those tensors.
    /// </summary>
    public Tensor forward(Tensor input, IDictionary<string, Tensor>? taps)
    {
        using var scope = torch.NewDisposeScope();
        return ComplexLayout.Unpack(ForwardPacked(ComplexLayout.Pack(input), taps)).MoveToOuterDisposeScope();
    }

    /// <summary>Packed layout: [B, 2, F, T] → [B, 2, F, T] (channel 0 real, 1 imaginary).</summary>
    public Tensor ForwardPacked(Tensor x, IDictionary<string, Tensor>? taps = null)
    {
        using var scope = torch.NewDisposeScope();
        void Tap(string name, Tensor t)
        {
            if (taps is not null) taps[name] = ComplexLayout.Unpack(t).DetachFromDisposeScope();
        }
        var skips = new List<Tensor>(6);
        var input = x;
        // Intermediates are freed as soon as they are consumed (not at the end of the scope): at 16 s of audio a
        // 256-channel map at 159 bins is ~130 MB, and the scope would otherwise hold a dozen of them.
        Tensor Next(Tensor old, Tensor next)
        {
            if (!ReferenceEquals(old, input) && !skips.Any(s => ReferenceEquals(s, old)) && taps is null) old.Dispose();
            return next;
        }
        for (int i = 0; i < 7; i++)
        {
            if (i > 0) { x = Next(x, FsmnEnc[i].ForwardPacked(x)); Tap($"fsmn_enc{i}", x); }   // fsmn_enc0 is unused upstream
            x = Next(x, Encoders[i].ForwardPacked(x));                                  // [B, 2W, F_i, T+i+1]
            Tap($"encoder{i}", x);
            if (i < 6) { var s = SeLayersEnc[i].ForwardPacked(x); Tap($"se_layer_enc{i}", s); skips.Add(s); } // se_layer_enc6's output is never read
        }
        x = Next(x, Fsmn.ForwardPacked(x));                                             // [B, 2W, 1, T+7]
        Tap("fsmn", x);
        var p = x;
        Tensor? skip = null;
        for (int i = 0; i < 7; i++)
        {
            var source = skip is null ? FrameSource.Of(p) : FrameSource.Concat(p, skip); // decoder output first, skip second
            var next = Decoders[i].ForwardPacked(source);
            if (skip is not null && taps is null) skip.Dispose();
            p = Next(p, next);
            Tap($"decoder{i}", p);
            if (i == 6) break;                                                          // fsmn_dec6, se_layer_dec5 unused
            p = Next(p, FsmnDec[i].ForwardPacked(p));
            Tap($"fsmn_dec{i}", p);
            if (i < 5) { p = Next(p, SeLayersDec[i].ForwardPacked(p)); Tap($"se_layer_dec{i}", p); }
            skip = skips[5 - i];
        }
        var y = Linear.ForwardPacked(p);                                                // [B, 2, F, T], no activation
        Tap("linear", y);
        return y.MoveToOuterDisposeScope();
    }
}
