using SpeechSeparation.Tensors;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>Which upstream inference pipeline <see cref="FrcrnPipeline"/> reproduces.</summary>
public enum FrcrnPipelineMode
{
    /// <summary>
    /// ModelScope <c>ANSPipeline</c>: <c>audio_norm</c> to −25 dB without epsilon, output left at the normalised level.
    /// </summary>
    ModelScope,
    /// <summary>
    /// ClearerVoice-Studio <c>FRCRN_SE_16K</c>: <c>audio_norm</c> with EPS = 1e-6 in both denominators, and the output
    /// multiplied back by <c>1/(scalar·scalarx + EPS)</c> (original level restored).
    /// </summary>
    ClearerVoice,
}

/// <summary>How float samples outside [−1, 1) become 16-bit PCM.</summary>
public enum PcmOverflow
{
    /// <summary>Saturate to [−32768, 32767] (the library's default).</summary>
    Clip,
    /// <summary>Wrap modulo 2¹⁶ like NumPy's <c>astype(int16)</c> upstream (for bit-exact reproduction only).</summary>
    Wrap,
}

/// <summary>Options of <see cref="FrcrnPipeline"/>.</summary>
public sealed record FrcrnPipelineOptions
{
    /// <summary>Upstream pipeline to follow (default ModelScope).</summary>
    public FrcrnPipelineMode Mode { get; init; } = FrcrnPipelineMode.ModelScope;

    /// <summary>
    /// Inputs longer than this many samples are decoded in 1 s windows with 0.75 s stride (upstream: 120 s = 1,920,000).
    /// Memory then stays bounded by one batch of windows; lower it to bound memory for shorter inputs (the output then
    /// differs from whole-signal decoding, because the SE layers average over what the model sees).
    /// </summary>
    public long SegmentAboveSamples { get; init; } = FrcrnPipeline.SegmentThreshold;

    /// <summary>Windows per forward pass in segmented decoding (windows are independent; batching only saves time).</summary>
    public int WindowBatch { get; init; } = 8;

    /// <summary>PCM conversion in <see cref="FrcrnPipeline.EnhanceToPcm16"/> (default: clip, never wrap).</summary>
    public PcmOverflow Overflow { get; init; } = PcmOverflow.Clip;
}

/// <summary>
/// FRCRN's upstream inference pipelines on 16 kHz mono float samples: level normalisation (<c>audio_norm</c>), the
/// upstream zero-padding rule (which changes the output, because the SE layers average over the whole padded input),
/// whole-signal decoding up to 120 s and 1 s windows with 0.75 s stride and hard joins above it, truncation to the input
/// length, and 16-bit PCM by truncation toward zero.
/// </summary>
public static class FrcrnPipeline
{
    /// <summary>Window length of segmented decoding (1 s).</summary>
    public const int WindowSamples = 16000;
    /// <summary>Window stride (0.75 s).</summary>
    public const int StrideSamples = 12000;
    /// <summary>Samples dropped at each side of an inner window join: (window − stride) / 2.</summary>
    public const int GiveUpSamples = (WindowSamples - StrideSamples) / 2;
    /// <summary>Upstream threshold for segmented decoding (120 s at 16 kHz).</summary>
    public const long SegmentThreshold = 16000L * 120;

    private const double Eps = 1e-6;
    private static readonly double TargetRms = Math.Pow(10, -25.0 / 20);

    /// <summary>
    /// <c>audio_norm</c> in float64: scale to −25 dB RMS, then scale again so the RMS of the samples whose power exceeds
    /// the mean power is −25 dB; cast to float32. ModelScope uses no epsilon (silence gives NaN); ClearerVoice adds 1e-6
    /// to both RMS values. <paramref name="restoreGain"/> is ClearerVoice's <c>1/(scalar·scalarx + EPS)</c>.
    /// </summary>
    public static float[] Normalise(ReadOnlySpan<float> samples, FrcrnPipelineMode mode, out double restoreGain)
    {
        double eps = mode == FrcrnPipelineMode.ClearerVoice ? Eps : 0;
        int n = samples.Length;
        var x = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) { x[i] = samples[i]; sum += x[i] * x[i]; }
        double scalar = TargetRms / (Math.Sqrt(sum / n) + eps);
        double meanP = 0;
        for (int i = 0; i < n; i++) { x[i] *= scalar; meanP += x[i] * x[i]; }
        meanP /= n;
        double above = 0;
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            double p = x[i] * x[i];
            if (p > meanP) { above += p; count++; }
        }
        double scalarx = TargetRms / (Math.Sqrt(above / count) + eps);
        var r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float)(x[i] * scalarx);
        restoreGain = 1.0 / (scalar * scalarx + Eps);
        return r;
    }

    /// <summary>
    /// Upstream padded length for <paramref name="n"/> samples: 16000 below 1 s, 28000 below 1.75 s, otherwise
    /// <c>n + (n − ⌊(n − 16000)/12000⌋·12000)</c> unless <c>(n − 16000)</c> is a multiple of 12000 (the quirk appends
    /// about one window more than needed; reproduced because it changes the result).
    /// </summary>
    public static long PaddedLength(long n)
    {
        if (n < WindowSamples) return WindowSamples;
        if (n < WindowSamples + StrideSamples) return WindowSamples + StrideSamples;
        long r = (n - WindowSamples) % StrideSamples;
        if (r == 0) return n;
        return n + (n - (n - WindowSamples) / StrideSamples * StrideSamples);
    }

    /// <summary>
    /// Enhances 16 kHz mono samples; returns one enhanced sample per input sample (ModelScope mode: at the normalised
    /// −25 dB level, as upstream; ClearerVoice mode: at the input level).
    /// </summary>
    public static float[] Enhance(Frcrn model, ReadOnlySpan<float> samples16k, FrcrnPipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new FrcrnPipelineOptions();
        if (samples16k.Length == 0) return [];
        var norm = Normalise(samples16k, options.Mode, out double gain);
        var y = Decode(model, norm, options);
        if (options.Mode == FrcrnPipelineMode.ClearerVoice)
            for (int i = 0; i < y.Length; i++) y[i] = (float)(y[i] * gain);
        return y;
    }

    /// <summary>
    /// Enhances audio at any rate and channel count, following the selected upstream pipeline:
    /// ModelScope — first channel only, resampled to 16 kHz, then normalised; returns 16 kHz mono at the normalised
    /// level. ClearerVoice — every channel separately, normalised at the input rate, resampled to 16 kHz, enhanced,
    /// multiplied back to the input level, resampled back to the input rate and cut to the input length.
    /// Resampling uses <see cref="Signal.Resampler.Create"/> (polyphase Kaiser sinc), not librosa's resampler, so
    /// non-16 kHz inputs match upstream only approximately.
    /// </summary>
    public static Signal.AudioBuffer Enhance(Frcrn model, Signal.AudioBuffer audio, FrcrnPipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(audio);
        options ??= new FrcrnPipelineOptions();
        const int rate = FrcrnConfig.SampleRate;
        float[] To16k(ReadOnlySpan<float> x) => audio.SampleRate == rate ? x.ToArray() : Signal.Resampler.Create(audio.SampleRate, rate).Process(x);
        if (options.Mode == FrcrnPipelineMode.ModelScope)
            return Signal.AudioBuffer.FromMono(Enhance(model, To16k(audio.Channel(0)), options), rate);
        var result = new Signal.AudioBuffer(audio.Channels, audio.Frames, audio.SampleRate);
        for (int c = 0; c < audio.Channels; c++)
        {
            if (audio.Frames == 0) break;
            var norm = Normalise(audio.Channel(c), FrcrnPipelineMode.ClearerVoice, out double gain);
            var y = Decode(model, To16k(norm), options);
            for (int i = 0; i < y.Length; i++) y[i] = (float)(y[i] * gain);
            var back = audio.SampleRate == rate ? y : Signal.Resampler.Create(rate, audio.SampleRate).Process(y);
            back.AsSpan(0, Math.Min(back.Length, audio.Frames)).CopyTo(result.Channel(c));
        }
        return result;
    }

    /// <summary>Pads by the upstream rule, decodes whole or in windows, and cuts back to the input length.</summary>
    private static float[] Decode(Frcrn model, float[] normalised, FrcrnPipelineOptions options)
    {
        int n = normalised.Length;
        long padded = PaddedLength(n);
        var input = new float[padded];
        normalised.CopyTo(input, 0);
        var y = n > options.SegmentAboveSamples ? Segmented(model, input, options.WindowBatch) : Whole(model, input);
        var r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float)y[i];
        return r;
    }

    /// <summary>Enhances each channel separately (ClearerVoice's handling of stereo files).</summary>
    public static float[][] EnhanceChannels(Frcrn model, IReadOnlyList<float[]> channels, FrcrnPipelineOptions? options = null) =>
        channels.Select(c => Enhance(model, c, options)).ToArray();

    /// <summary><see cref="Enhance(Frcrn, ReadOnlySpan{float}, FrcrnPipelineOptions?)"/> then 16-bit PCM (<see cref="ToPcm16"/>).</summary>
    public static short[] EnhanceToPcm16(Frcrn model, ReadOnlySpan<float> samples16k, FrcrnPipelineOptions? options = null)
    {
        options ??= new FrcrnPipelineOptions();
        return ToPcm16(Enhance(model, samples16k, options), options.Overflow);
    }

    /// <summary>
    /// <c>(y · 32768)</c> truncated toward zero, as upstream's <c>astype(int16)</c>; out-of-range values are clipped
    /// (default) or wrapped like NumPy.
    /// </summary>
    public static short[] ToPcm16(ReadOnlySpan<float> y, PcmOverflow overflow = PcmOverflow.Clip)
    {
        var r = new short[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            double v = Math.Truncate((double)y[i] * 32768.0);
            if (double.IsNaN(v)) { r[i] = 0; continue; }
            r[i] = overflow == PcmOverflow.Clip
                ? (short)Math.Clamp(v, short.MinValue, short.MaxValue)
                : unchecked((short)(long)Math.Clamp(v, long.MinValue, long.MaxValue));
        }
        return r;
    }

    private static double[] Whole(Frcrn model, float[] input)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        var x = torch.tensor(input, [1, input.Length]);
        var y = model.Enhance(x).ToDoubleArray();
        return y;
    }

    private static double[] Segmented(Frcrn model, float[] input, int batch)
    {
        long len = input.Length;
        var acc = new double[len];                  // upstream accumulates in float64; never-written samples stay 0
        var starts = new List<long>();
        for (long idx = 0; idx + WindowSamples <= len; idx += StrideSamples) starts.Add(idx);
        batch = Math.Max(1, batch);
        for (int s0 = 0; s0 < starts.Count; s0 += batch)
        {
            int count = Math.Min(batch, starts.Count - s0);
            var buf = new float[count * WindowSamples];
            for (int j = 0; j < count; j++) Array.Copy(input, starts[s0 + j], buf, (long)j * WindowSamples, WindowSamples);
            float[] y;
            long outLen;
            using (var scope = torch.NewDisposeScope())
            using (torch.inference_mode())
            {
                var w = model.Enhance(torch.tensor(buf, [count, WindowSamples])); // [count, 16000]
                outLen = w.size(1);
                y = w.ToFloatArray();
            }
            NativeHeap.Trim();                      // libtorch 2.10's freed activations otherwise fragment the heap over long inputs
            for (int j = 0; j < count; j++)
            {
                long idx = starts[s0 + j];
                long from = idx == 0 ? 0 : GiveUpSamples, to = WindowSamples - GiveUpSamples; // hard joins
                for (long k = from; k < to && k < outLen; k++) acc[idx + k] = y[j * outLen + k];
            }
        }
        return acc;
    }
}
