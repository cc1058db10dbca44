namespace SpeechSeparation.Training.Data;

/// <summary>One training example: a mixture and its sources (equal lengths, one sample rate).</summary>
/// <param name="Mixture">The input the model sees.</param>
/// <param name="Sources">The targets, one array per source (for enhancement: the clean speech alone).</param>
/// <param name="SampleRate">Sample rate of all arrays.</param>
/// <param name="Id">Where the example came from (for error messages and logs).</param>
public sealed record SeparationExample(float[] Mixture, float[][] Sources, int SampleRate, string Id);

/// <summary>
/// A data set of examples addressed by index. <see cref="Get"/> must be deterministic for a given index and random
/// generator state, and safe to call from several threads (loaders prefetch in parallel).
/// </summary>
public interface IExampleSource
{
    /// <summary>Examples per epoch.</summary>
    int Count { get; }

    /// <summary>Sample rate of every example.</summary>
    int SampleRate { get; }

    /// <summary>Number of target sources per example.</summary>
    int NumSources { get; }

    /// <summary>Example <paramref name="index"/>, using <paramref name="rng"/> for segment choice and augmentation.</summary>
    SeparationExample Get(int index, Random rng);
}
