using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.MossFormer2;

/// <summary>
/// The authors' standalone inference (<c>Mossformer2Wrapper.inference</c>) for the SpeechBrain-layout checkpoints,
/// reproduced for conformance: the whole 8 kHz file in one pass, no input scaling, then every speaker divided by its own
/// peak (exactly ±1.0, no headroom). Upstream quirk kept here and nowhere else: a silent estimate becomes NaN (0/0).
/// The public <c>Separator</c> applies the library's documented gain policy instead.
/// </summary>
public static class SpeechBrainPipeline
{
    /// <summary>Separates one mono signal [T] and returns one peak-normalised signal per speaker.</summary>
    /// <param name="model">MossFormer2 in eval mode (any module mapping [1, T] to [1, T, S]).</param>
    /// <param name="input">The samples as read from the file (16-bit PCM values k/32768).</param>
    public static float[][] Inference(torch.nn.Module<Tensor, Tensor> model, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = torch.NewDisposeScope();
        using var mode = torch.inference_mode();
        var device = model.parameters().FirstOrDefault()?.device ?? torch.CPU;
        var x = HostTensors.FromSpan(input, [1, input.Length], device);          // [1, T]
        var est = model.call(x)[0];                                             // [T, S]
        var peak = est.abs().amax([0], keepdim: true);                          // [1, S]
        var normalised = (est / peak).t().contiguous().cpu().ToFloatArray();    // [S, T]
        int s = (int)est.shape[1], t = input.Length;
        return Enumerable.Range(0, s).Select(i => normalised.AsSpan(i * t, t).ToArray()).ToArray();
    }
}
