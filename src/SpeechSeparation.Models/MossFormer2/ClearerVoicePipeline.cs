using TorchSharp.Modules;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// ClearerVoice-Studio's inference pipeline for <c>MossFormer2_SS_16K</c>, reproduced exactly: two-pass −25 dB RMS input
/// normalisation (<see cref="AudioNorm"/>), then <see cref="Decode"/> — inputs longer than 2 s are processed in 2-s
/// windows with a 1.5-s hop, keeping each window's centre (0.25 s discarded at inner edges), and every speaker is finally
/// rescaled to the input's RMS. Quirks kept on purpose: the padding rule is not minimal, and when no padding is added the
/// last 0.25 s come out as zeros.
/// </summary>
public static class ClearerVoicePipeline
{
    /// <summary>Target level of the normalisation, dB.</summary>
    public const double TargetLevelDb = -25;

    /// <summary>Upstream EPS.</summary>
    public const double Eps = 1e-6;

    /// <summary>
    /// <c>dataloader.audio_norm</c>: scales to −25 dB RMS, then again using the RMS of the above-average-power samples.
    /// Returns the normalised signal (float32) and upstream's returned scalar 1/(s₁s₂ + EPS) (not applied to separation
    /// outputs upstream).
    /// </summary>
    public static (float[] Normalized, double Scalar) AudioNorm(ReadOnlySpan<float> x)
    {
        int n = x.Length;
        var y = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) { y[i] = x[i]; sum += y[i] * y[i]; }
        double target = Math.Pow(10, TargetLevelDb / 20);
        double s1 = target / (Math.Sqrt(sum / n) + Eps);
        double meanPow = 0;
        for (int i = 0; i < n; i++) { y[i] *= s1; meanPow += y[i] * y[i]; }
        meanPow /= n;
        double above = 0;
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            double p = y[i] * y[i];
            if (p > meanPow) { above += p; count++; }
        }
        double s2 = target / (Math.Sqrt(count > 0 ? above / count : double.NaN) + Eps);
        var result = new float[n];
        for (int i = 0; i < n; i++) result[i] = (float)(y[i] * s2);
        return (result, 1 / (s1 * s2 + Eps));
    }

    /// <summary>
    /// <c>decode_one_audio_mossformer2_ss_16k</c>: separates a normalised mono signal and returns one signal per speaker
    /// at the <b>padded</b> length (trim to the input length yourself, or use <see cref="Separate"/>).
    /// </summary>
    /// <param name="model">MossFormer2 in eval mode (any module mapping [1, T] to [1, T, S]).</param>
    /// <param name="input">The normalised samples.</param>
    /// <param name="sampleRate">Sample rate (16000 for the release).</param>
    /// <param name="decodeWindow">Window length in seconds (2).</param>
    /// <param name="oneTimeDecodeLength">Longest input decoded in one pass, seconds (2).</param>
    public static double[][] Decode(torch.nn.Module<Tensor, Tensor> model, ReadOnlySpan<float> input, int sampleRate = 16000,
        double decodeWindow = 2, double oneTimeDecodeLength = 2)
    {
        ArgumentNullException.ThrowIfNull(model);
        int t = input.Length;
        int window = (int)(sampleRate * decodeWindow);
        int stride = (int)(window * 0.75);
        int giveUp = (window - stride) / 2;
        double rmsIn = 0;
        foreach (var v in input) rmsIn += (double)v * v;
        rmsIn = Math.Sqrt(rmsIn / t);
        int padded = t;
        if (t < window) padded = window;
        else if (t < window + stride) padded = window + stride;
        else if ((t - window) % stride != 0) padded = t + (t - (t - window) / stride * stride);
        var x = new float[padded];
        input.CopyTo(x);

        double[][] outputs;
        using var inference = torch.inference_mode();
        if (t > (int)(oneTimeDecodeLength * sampleRate))
        {
            outputs = null!;
            for (int start = 0; start + window <= padded; start += stride)
            {
                var est = Run(model, x.AsSpan(start, window));
                outputs ??= [.. est.Select(_ => new double[padded])];
                for (int s = 0; s < est.Length; s++)
                {
                    int from = start == 0 ? 0 : giveUp;
                    for (int i = from; i < window - giveUp; i++) outputs[s][start + i] = est[s][i];
                }
            }
        }
        else
        {
            outputs = [.. Run(model, x).Select(o => Array.ConvertAll(o, v => (double)v))];
        }
        foreach (var o in outputs)
        {
            double e = 0;
            foreach (var v in o) e += v * v;
            double scale = rmsIn / Math.Sqrt(e / o.Length);
            for (int i = 0; i < o.Length; i++) o[i] *= scale;
        }
        return outputs;
    }

    /// <summary>
    /// The whole ClearerVoice path for one channel already at the model's sample rate: <see cref="AudioNorm"/>,
    /// <see cref="Decode"/>, trim to the input length. The output level is that of the normalised input (upstream does
    /// not undo the normalisation for separation).
    /// </summary>
    public static float[][] Separate(torch.nn.Module<Tensor, Tensor> model, ReadOnlySpan<float> mixture, int sampleRate = 16000)
    {
        var (normed, _) = AudioNorm(mixture);
        var decoded = Decode(model, normed, sampleRate);
        int length = mixture.Length;
        return [.. decoded.Select(d => Array.ConvertAll(d[..length], v => (float)v))];
    }

    private static float[][] Run(torch.nn.Module<Tensor, Tensor> model, ReadOnlySpan<float> window)
    {
        using var scope = torch.NewDisposeScope();
        var est = model.forward(HostTensors.FromSpan(window, [1, window.Length], ModelScopePipeline.DeviceOf(model)));  // [1, W, S]
        long s = est.shape[2];
        var result = new float[s][];
        for (int i = 0; i < s; i++) result[i] = est.select(0, 0).select(1, i).cpu().contiguous().ToFloatArray();
        return result;
    }
}
