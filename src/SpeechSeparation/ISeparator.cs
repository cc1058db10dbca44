using SpeechSeparation.Signal;

namespace SpeechSeparation;

/// <summary>
/// Separates a mixture into sources (<c>speaker1..N</c> for speech, <c>vocals</c>/<c>accompaniment</c> for music).
/// Accepts audio at any sample rate and length: input is resampled to the model's rate, long input is processed in
/// overlapping windows whose speaker order is aligned, and stems come back at the input's rate and length.
/// Instances hold native memory: dispose them. Calls on one instance are serialised (safe from several threads).
/// </summary>
public interface ISeparator : IDisposable
{
    /// <summary>The model's own sample rate (input at other rates is resampled).</summary>
    int SampleRate { get; }

    /// <summary>Number of separated sources.</summary>
    int NumSources { get; }

    /// <summary>Names of the outputs, in order (e.g. <c>speaker1</c>, <c>speaker2</c>).</summary>
    IReadOnlyList<string> SourceNames { get; }

    /// <summary>Separates an in-memory mixture.</summary>
    SeparationResult Separate(AudioBuffer mixture, IProgress<double>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Separates mono samples at <paramref name="sampleRate"/>.</summary>
    SeparationResult Separate(ReadOnlySpan<float> samples, int sampleRate, CancellationToken cancellationToken = default);

    /// <summary>
    /// Separates several mixtures, one after another: the same results as calling <see cref="Separate(AudioBuffer, IProgress{double}?, CancellationToken)"/>
    /// on each. Windows are batched within each mixture (<see cref="SeparatorOptions.BatchSize"/>), not across mixtures.
    /// </summary>
    IReadOnlyList<SeparationResult> SeparateBatch(IReadOnlyList<AudioBuffer> mixtures, CancellationToken cancellationToken = default);

    /// <summary>Separates on a worker thread.</summary>
    Task<SeparationResult> SeparateAsync(AudioBuffer mixture, IProgress<double>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Separates a WAV file of any length in bounded memory (streamed in blocks), writing one WAV per source into
    /// <paramref name="outputDirectory"/> (<c>&lt;name&gt;_&lt;source&gt;.wav</c>). Returns the written paths.
    /// </summary>
    IReadOnlyList<string> SeparateFile(string inputPath, string outputDirectory, OutputOptions? output = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>Removes noise from speech. Same conventions as <see cref="ISeparator"/>, with one output.</summary>
public interface IEnhancer : IDisposable
{
    /// <summary>The model's own sample rate.</summary>
    int SampleRate { get; }

    /// <summary>Enhances an in-memory recording (each channel or the down-mix, per the options).</summary>
    AudioBuffer Enhance(AudioBuffer noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Enhances mono samples at <paramref name="sampleRate"/>.</summary>
    float[] Enhance(ReadOnlySpan<float> samples, int sampleRate, CancellationToken cancellationToken = default);

    /// <summary>Enhances on a worker thread.</summary>
    Task<AudioBuffer> EnhanceAsync(AudioBuffer noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Enhances a WAV file in bounded memory, writing <paramref name="outputPath"/>.</summary>
    void EnhanceFile(string inputPath, string outputPath, OutputOptions? output = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>The stems of one separation, in the separator's source order.</summary>
public sealed class SeparationResult
{
    /// <summary>Creates a result.</summary>
    public SeparationResult(IReadOnlyList<string> names, IReadOnlyList<AudioBuffer> sources)
    {
        if (names.Count != sources.Count) throw new ArgumentException("One name per source is needed.");
        Names = names;
        Sources = sources;
    }

    /// <summary>Source names.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Separated audio, at the input's sample rate and length.</summary>
    public IReadOnlyList<AudioBuffer> Sources { get; }

    /// <summary>The source called <paramref name="name"/>.</summary>
    public AudioBuffer this[string name]
    {
        get
        {
            int i = Names.ToList().IndexOf(name);
            return i >= 0 ? Sources[i] : throw new KeyNotFoundException($"No source named '{name}' (have: {string.Join(", ", Names)}).");
        }
    }
}
