using SpeechSeparation.Tensors;

namespace SpeechSeparation;

/// <summary>
/// A separation (or enhancement, with one source) network at its own sample rate: the piece a model family plugs into
/// <see cref="Separator"/>. Windowing, resampling, channels and gain are handled around it.
/// </summary>
public interface ISeparationNetwork : IDisposable
{
    /// <summary>Architecture name (e.g. <c>mossformer2</c>).</summary>
    string Architecture { get; }

    /// <summary>Native sample rate.</summary>
    int SampleRate { get; }

    /// <summary>Output names, one per source.</summary>
    IReadOnlyList<string> SourceNames { get; }

    /// <summary>Parameters of the network.</summary>
    long ParameterCount { get; }

    /// <summary>The device the weights live on.</summary>
    Device Device { get; }

    /// <summary>
    /// True when the order of the outputs is arbitrary (speech separation trained with PIT): windows of long audio are
    /// then re-ordered to match each other. False for outputs with fixed meanings (music stems, enhancement).
    /// </summary>
    bool OutputOrderIsArbitrary => SourceNames.Count > 1;

    /// <summary>
    /// Separates a batch of equal-length mixtures [B, T] (float32, on <see cref="Device"/>) into sources [B, S, T]
    /// of the same length. Called without gradients.
    /// </summary>
    Tensor Separate(Tensor mixtures);
}
