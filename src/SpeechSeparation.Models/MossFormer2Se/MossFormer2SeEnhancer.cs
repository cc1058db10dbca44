using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Models.MossFormer2Se;

/// <summary>What one pass of <see cref="MossFormer2SeEnhancer"/> computed (for conformance checks and inspection).</summary>
public sealed class MossFormer2SeTrace
{
    /// <summary>Frames L.</summary>
    public int Frames { get; internal set; }
    /// <summary>Network input [L, in_channels] (fbank, Δ, ΔΔ of the input × 32768).</summary>
    public float[] Features { get; internal set; } = [];
    /// <summary>Mask [L, bins].</summary>
    public float[] Mask { get; internal set; } = [];
    /// <summary>STFT of the input × 32768, real parts [bins, L] (before masking).</summary>
    public double[] StftReal { get; internal set; } = [];
    /// <summary>STFT imaginary parts [bins, L].</summary>
    public double[] StftImag { get; internal set; } = [];
}

/// <summary>
/// The signal path of ClearerVoice's <c>MossFormer2_SE_48K</c> around <see cref="MossFormer2Se"/>, for one segment in one
/// pass (upstream's decode of an input of at most 20 s): s = x·32768 → Kaldi fbank (<see cref="KaldiFbank"/>, 60 mels,
/// 40/8-ms symmetric-Hamming frames, FFT 2048) + Δ + ΔΔ → network → ReLU mask [L, 961] → multiplied into both parts of
/// the STFT of s (1920-point FFT, hop 384, symmetric Hamming, no centring) → inverse STFT divided by the overlap-added
/// squared window, zeros past the last frame (up to 383 samples) → ÷ 32768. Long inputs are cut into windows by
/// <see cref="ClearerVoiceSePipeline"/>. The DSP runs in double precision on the CPU; the network wherever its weights
/// are, in their dtype (float32 or bfloat16).
/// </summary>
public sealed class MossFormer2SeEnhancer
{
    /// <summary>The scale upstream applies before the features and the STFT (<c>MAX_WAV_VALUE</c>).</summary>
    public const float Scale = 32768f;

    private readonly KaldiFbank _fbank;
    private readonly Stft _stft;

    /// <summary>Wraps a network (not owned: dispose it yourself).</summary>
    /// <exception cref="ArgumentException">The configuration's pieces do not fit together.</exception>
    public MossFormer2SeEnhancer(MossFormer2Se network)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        var c = Config = network.Config;
        c.Validate();
        _fbank = new KaldiFbank(FbankOptions(c));
        _stft = new Stft(c.FftLen, c.WinInc, c.WinLen, StftWindow(c.WinType, c.WinLen), center: false);
    }

    /// <summary>The network.</summary>
    public MossFormer2Se Network { get; }

    /// <summary>Its configuration.</summary>
    public MossFormer2SeConfig Config { get; }

    /// <summary>The feature extractor.</summary>
    public KaldiFbank Fbank => _fbank;

    /// <summary>The mask's STFT.</summary>
    public Stft Stft => _stft;

    /// <summary>
    /// The fbank options upstream's <c>compute_fbank</c> passes to torchaudio: frame length and shift in milliseconds as
    /// <c>win_len / sampling_rate · 1000</c>, the mel count, the window type, the dither; everything else at torchaudio's
    /// defaults (pre-emphasis 0.97, DC removal, power, log, low 20 Hz, high Nyquist, snip edges).
    /// </summary>
    public static KaldiFbankOptions FbankOptions(MossFormer2SeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new KaldiFbankOptions
        {
            SampleFrequency = config.SampleRate,
            FrameLength = (double)config.WinLen / config.SampleRate * 1000,
            FrameShift = (double)config.WinInc / config.SampleRate * 1000,
            NumMelBins = config.NumMels,
            WindowType = config.WinType,
            Dither = config.Dither,
        };
    }

    /// <summary>The STFT window: torch's <c>hamming_window</c> / <c>hann_window</c> with <c>periodic=False</c>.</summary>
    /// <exception cref="NotSupportedException">Another window name.</exception>
    public static double[] StftWindow(string type, int length) => type.Trim().ToLowerInvariant() switch
    {
        "hamming" => Window.Hamming(length, periodic: false),
        "hanning" or "hann" => Window.Hann(length, periodic: false),
        _ => throw new NotSupportedException($"win_type '{type}' is not supported (hamming, hanning)."),
    };

    /// <summary>Fewest samples one pass accepts: one frame (1920 = 40 ms at 48 kHz).</summary>
    public int MinimumLength => Math.Max(Config.WinLen, _fbank.WindowSize);

    /// <summary>Frames of a segment of <paramref name="samples"/> samples (0 when shorter than one frame).</summary>
    public int FrameCount(int samples) => samples < MinimumLength ? 0 : _fbank.FrameCount(samples);

    /// <summary>Network input [L, in_channels] (row-major) of a segment at read scale (the ×32768 is applied here).</summary>
    /// <exception cref="ArgumentException">Shorter than one frame, or a non-finite sample.</exception>
    public float[] Features(ReadOnlySpan<float> segment)
    {
        CheckSegment(segment);
        var scaled = new float[segment.Length];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = segment[i] * Scale;
        return FeaturesOfScaled(scaled, out _);
    }

    private float[] FeaturesOfScaled(float[] scaled, out int frames)
    {
        int mels = Config.NumMels;
        var fb = _fbank.Compute(scaled.AsSpan());                     // [L, mels] double (exact ×32768 input)
        frames = fb.Length / mels;
        var d1 = KaldiFbank.Deltas(fb, frames, mels);
        var d2 = KaldiFbank.Deltas(d1, frames, mels);
        var feats = new float[frames * 3 * mels];
        for (int t = 0; t < frames; t++)
        {
            var row = feats.AsSpan(t * 3 * mels, 3 * mels);
            for (int f = 0; f < mels; f++)
            {
                row[f] = (float)fb[t * mels + f];
                row[mels + f] = (float)d1[t * mels + f];
                row[2 * mels + f] = (float)d2[t * mels + f];
            }
        }
        return feats;
    }

    /// <summary>Enhances one segment in one pass (upstream's decode of an input of at most 20 s); returns as many samples.</summary>
    /// <param name="segment">Samples at 48 kHz (or the configured rate), read scale (±1 full scale).</param>
    /// <param name="trace">Receives the intermediates when given.</param>
    /// <exception cref="ArgumentException">Shorter than one frame (upstream fails there too), or a non-finite sample.</exception>
    public float[] Enhance(ReadOnlySpan<float> segment, MossFormer2SeTrace? trace = null)
    {
        CheckSegment(segment);
        using var scope = torch.NewDisposeScope();
        using var mode = torch.inference_mode();
        var scaled = new float[segment.Length];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = segment[i] * Scale;
        var feats = FeaturesOfScaled(scaled, out int frames);
        var mask = RunNetwork(feats, 1, frames);
        if (trace is not null) { trace.Frames = frames; trace.Features = feats; trace.Mask = mask; }
        return MaskAndInvert(scaled, mask, frames, trace);
    }

    /// <summary>
    /// Enhances a batch of equal-length segments [B, T] (each in one pass, independently) → [B, T] float32 on the input's
    /// device. The network runs once on the stacked features.
    /// </summary>
    /// <exception cref="ArgumentException">Not [B, T], shorter than one frame, or a non-finite sample.</exception>
    public Tensor Enhance(Tensor segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (segments.dim() != 2) throw new ArgumentException($"Expected [B, T], got [{string.Join(", ", segments.shape)}].", nameof(segments));
        int b = (int)segments.shape[0], t = (int)segments.shape[1];
        using var scope = torch.NewDisposeScope();
        using var mode = torch.inference_mode();
        var host = segments.to(ScalarType.Float32).cpu().contiguous().ToFloatArray();
        var scaled = new float[b][];
        float[]? feats = null;
        int frames = 0;
        for (int i = 0; i < b; i++)
        {
            var seg = host.AsSpan(i * t, t);
            CheckSegment(seg);
            scaled[i] = new float[t];
            for (int j = 0; j < t; j++) scaled[i][j] = seg[j] * Scale;
            var f = FeaturesOfScaled(scaled[i], out frames);
            feats ??= new float[b * f.Length];
            f.CopyTo(feats, i * f.Length);
        }
        var masks = RunNetwork(feats!, b, frames);
        int per = frames * Config.OutChannelsFinal;
        var output = new float[b * t];
        for (int i = 0; i < b; i++)
            MaskAndInvert(scaled[i], masks.AsSpan(i * per, per), frames).CopyTo(output, i * t);
        return torch.tensor(output, [b, t], device: segments.device).MoveToOuterDisposeScope();
    }

    private float[] RunNetwork(float[] feats, int batch, int frames)
    {
        using var scope = torch.NewDisposeScope();
        var first = Network.parameters().FirstOrDefault();
        var device = first?.device ?? torch.CPU;
        var dtype = first?.dtype ?? ScalarType.Float32;
        var x = torch.tensor(feats, [batch, frames, Config.InChannels], device: device);
        if (dtype != ScalarType.Float32) x = x.to(dtype);
        var mask = Network.forward(x);                                      // [B, L, bins]
        return mask.to(ScalarType.Float32).cpu().contiguous().ToFloatArray();
    }

    /// <summary>
    /// The STFT path alone: multiplies a given mask [L, bins] (row-major, L = <see cref="FrameCount"/>) into the STFT of
    /// the segment × 32768 and inverts it (÷ 32768). A mask of ones gives the segment back, except the samples past the
    /// last frame (fewer than one hop), which are zero as upstream.
    /// </summary>
    /// <exception cref="ArgumentException">Too short, non-finite, or a mask of the wrong size.</exception>
    public float[] ApplyMask(ReadOnlySpan<float> segment, ReadOnlySpan<float> mask)
    {
        CheckSegment(segment);
        int frames = FrameCount(segment.Length);
        if (mask.Length != frames * _stft.Bins)
            throw new ArgumentException($"The mask must hold {frames}×{_stft.Bins} values, got {mask.Length}.", nameof(mask));
        var scaled = new float[segment.Length];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = segment[i] * Scale;
        return MaskAndInvert(scaled, mask, frames);
    }

    /// <summary>
    /// The STFT path for one segment already ×32768: Y[k, t] = M[t, k]·S[k, t] on both parts, inverse STFT of the
    /// segment's length (samples past the last frame are zero), ÷ 32768.
    /// </summary>
    private float[] MaskAndInvert(float[] scaled, ReadOnlySpan<float> mask, int frames, MossFormer2SeTrace? trace = null)
    {
        int bins = _stft.Bins, n = scaled.Length;
        var s = new double[n];
        for (int i = 0; i < n; i++) s[i] = scaled[i];
        var spec = _stft.Forward(s);                                        // [bins, L]
        if (spec.Frames != frames)
            throw new InvalidOperationException($"The STFT has {spec.Frames} frames but the features {frames}: win_len/win_inc and the fbank framing disagree.");
        if (trace is not null) { trace.StftReal = (double[])spec.Real.Clone(); trace.StftImag = (double[])spec.Imag.Clone(); }
        var re = spec.Real;
        var im = spec.Imag;
        for (int k = 0; k < bins; k++)
            for (int t = 0; t < frames; t++)
            {
                double m = mask[t * bins + k];
                re[k * frames + t] *= m;
                im[k * frames + t] *= m;
            }
        var y = new double[n];
        _stft.Inverse(re, im, frames, y);
        var result = new float[n];
        for (int i = 0; i < n; i++) result[i] = (float)(y[i] / Scale);
        return result;
    }

    private void CheckSegment(ReadOnlySpan<float> segment)
    {
        if (segment.Length < MinimumLength)
            throw new ArgumentException(
                $"MossFormer2_SE needs at least {MinimumLength} samples (one {1000.0 * MinimumLength / Config.SampleRate:0.#}-ms frame at " +
                $"{Config.SampleRate} Hz); got {segment.Length}.", nameof(segment));
        for (int i = 0; i < segment.Length; i++)
            if (!float.IsFinite(segment[i]))
                throw new ArgumentException($"The input holds a non-finite value (NaN or infinity) at sample {i}.", nameof(segment));
    }
}
