namespace SpeechSeparation.Models.MossFormer2Se;

/// <summary>How <see cref="ClearerVoiceSePipeline"/> decodes an input of a given length.</summary>
/// <param name="Length">Input samples T.</param>
/// <param name="Windowed">True when T exceeds the one-pass limit (20 s at 48 kHz: 960,000 samples).</param>
/// <param name="Window">Window W (4 s: 192,000 samples).</param>
/// <param name="Stride">Stride S = ⌊0.75·W⌋.</param>
/// <param name="GiveUp">Samples dropped at inner window edges, (W − S)/2.</param>
/// <param name="PaddedLength">Length after upstream's zero padding (= T in one-pass mode).</param>
public sealed record ClearerVoiceSePlan(int Length, bool Windowed, int Window, int Stride, int GiveUp, int PaddedLength)
{
    /// <summary>Window starts (one start, 0, in one-pass mode).</summary>
    public IEnumerable<int> Starts
    {
        get
        {
            if (!Windowed) { yield return 0; yield break; }
            for (int s = 0; s + Window <= PaddedLength; s += Stride) yield return s;
        }
    }
}

/// <summary>
/// ClearerVoice-Studio's decode of <c>MossFormer2_SE_48K</c> (<c>decode_one_audio_mossformer2_se_48k</c>, then
/// <c>SpeechModel.decode</c>'s trim), reproduced exactly. Inputs of at most 20 s go through
/// <see cref="MossFormer2SeEnhancer.Enhance(ReadOnlySpan{float}, MossFormer2SeTrace?)"/> once, unpadded. Longer inputs
/// are zero-padded at the end by upstream's non-minimal rule (T &lt; W → W; T &lt; W + S → W + S; else, unless
/// (T − W) is a multiple of S, T − ⌊(T − W)/S⌋·S zeros are appended), cut into 4-s windows every 3 s, each enhanced on
/// its own (features, GroupNorm statistics and positions restart), and joined with hard cuts: the first window writes
/// its samples [0, W − G), every later one its samples [G, W − G) (G = 0.5 s). The last G samples of the padded signal
/// are never written, so an input whose length needs no padding (e.g. exactly 22 s) ends in 0.5 s of zeros — kept here
/// on purpose. The library's <c>Enhancer</c> uses its own cross-faded windows instead (see
/// docs/models/mossformer2-se-48k.md).
/// </summary>
public static class ClearerVoiceSePipeline
{
    /// <summary>The decode plan for an input of <paramref name="length"/> samples.</summary>
    public static ClearerVoiceSePlan Plan(int length, MossFormer2SeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int window = (int)(config.SampleRate * config.DecodeWindow);
        int stride = (int)(window * 0.75);
        int giveUp = (window - stride) / 2;
        bool windowed = length > config.SampleRate * config.OneTimeDecodeLength;
        int padded = length;
        if (windowed)
        {
            if (length < window) padded = window;
            else if (length < window + stride) padded = window + stride;
            else if ((length - window) % stride != 0) padded = checked(length + (length - (length - window) / stride * stride));
        }
        return new ClearerVoiceSePlan(length, windowed, window, stride, giveUp, padded);
    }

    /// <summary>
    /// Upstream's decode result at the <b>padded</b> length (float64, read scale). <paramref name="onCall"/> receives each
    /// model call's window start and intermediates.
    /// </summary>
    /// <exception cref="ArgumentException">Shorter than one frame, or a non-finite sample.</exception>
    public static double[] Decode(MossFormer2SeEnhancer enhancer, ReadOnlySpan<float> input, Action<int, MossFormer2SeTrace>? onCall = null)
    {
        ArgumentNullException.ThrowIfNull(enhancer);
        var plan = Plan(input.Length, enhancer.Config);
        if (!plan.Windowed)
        {
            var trace = onCall is null ? null : new MossFormer2SeTrace();
            var y = enhancer.Enhance(input, trace);
            if (trace is not null) onCall!(0, trace);
            return Array.ConvertAll(y, v => (double)v);
        }
        for (int i = 0; i < input.Length; i++)
            if (!float.IsFinite(input[i])) throw new ArgumentException($"The input holds a non-finite value (NaN or infinity) at sample {i}.", nameof(input));
        var x = new float[plan.PaddedLength];
        input.CopyTo(x);
        var output = new double[plan.PaddedLength];
        foreach (int start in plan.Starts)
        {
            var trace = onCall is null ? null : new MossFormer2SeTrace();
            var est = enhancer.Enhance(x.AsSpan(start, plan.Window), trace);
            if (trace is not null) onCall!(start, trace);
            int from = start == 0 ? 0 : plan.GiveUp;
            for (int i = from; i < plan.Window - plan.GiveUp; i++) output[start + i] = est[i];
        }
        return output;
    }

    /// <summary>The whole upstream path for one channel already at the model's rate: <see cref="Decode"/>, trimmed to the
    /// input's length (no input normalisation for this model).</summary>
    public static float[] Enhance(MossFormer2SeEnhancer enhancer, ReadOnlySpan<float> input)
    {
        var decoded = Decode(enhancer, input);
        var result = new float[input.Length];
        for (int i = 0; i < result.Length; i++) result[i] = (float)decoded[i];
        return result;
    }
}
