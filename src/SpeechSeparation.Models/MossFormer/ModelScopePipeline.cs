using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// ModelScope's <c>SeparationPipeline</c> for MossFormer and MossFormer2: the whole recording in one pass (no input
/// scaling, no windowing), then each speaker peak-normalised to 0.5 and converted to 16-bit PCM by truncation.
/// </summary>
public static class ModelScopePipeline
{
    /// <summary>
    /// Separates a mono float32 recording (samples in [-1, 1), the model's sample rate) and returns one int16 PCM
    /// signal per speaker, exactly as the upstream pipeline's <c>output_pcm_list</c>.
    /// </summary>
    /// <param name="model">MossFormer or MossFormer2 (any module mapping [1, T] to [1, T, S]); put it in eval mode.</param>
    /// <param name="mixture">The samples.</param>
    public static short[][] Separate(torch.nn.Module<Tensor, Tensor> model, ReadOnlySpan<float> mixture)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var x = HostTensors.FromSpan(mixture, [1, mixture.Length], DeviceOf(model));
        var est = model.forward(x);                           // [1, T, S]
        long s = est.shape[2];
        var result = new short[s][];
        for (int i = 0; i < s; i++)
        {
            var y = est.select(0, 0).select(1, i);            // [T]
            y = (y / y.abs().max()).Mul(0.5);
            result[i] = Array.ConvertAll(y.Mul(32768).cpu().ToFloatArray(), v => (short)v); // truncation toward zero
        }
        return result;
    }

    /// <summary>The device of the model's first parameter (CPU for a model without parameters).</summary>
    internal static Device DeviceOf(torch.nn.Module model) => model.parameters().FirstOrDefault()?.device ?? torch.CPU;
}
