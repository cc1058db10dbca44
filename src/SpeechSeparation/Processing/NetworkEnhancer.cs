using SpeechSeparation.Signal;

namespace SpeechSeparation;

/// <summary>
/// <see cref="IEnhancer"/> over a one-output network: enhancement is separation into one source, so every call goes to
/// a <see cref="NetworkSeparator"/> (same resampling, windows, channel and gain policies, bounded-memory files).
/// </summary>
public sealed class NetworkEnhancer : IEnhancer
{
    private readonly NetworkSeparator _separator;

    /// <summary>Wraps a one-output network (the enhancer owns and disposes it).</summary>
    /// <exception cref="ArgumentException">The network has more than one output.</exception>
    public NetworkEnhancer(ISeparationNetwork network, SeparatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.SourceNames.Count != 1)
            throw new ArgumentException($"{network.Architecture} separates {network.SourceNames.Count} sources; an enhancer needs one output.", nameof(network));
        _separator = new NetworkSeparator(network, options);
    }

    /// <summary>The wrapped network.</summary>
    public ISeparationNetwork Network => _separator.Network;

    /// <inheritdoc />
    public int SampleRate => _separator.SampleRate;

    /// <inheritdoc />
    public AudioBuffer Enhance(AudioBuffer noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        _separator.Separate(noisy, progress, cancellationToken).Sources[0];

    /// <inheritdoc />
    public float[] Enhance(ReadOnlySpan<float> samples, int sampleRate, CancellationToken cancellationToken = default) =>
        _separator.Separate(samples, sampleRate, cancellationToken).Sources[0].Channel(0).ToArray();

    /// <inheritdoc />
    public Task<AudioBuffer> EnhanceAsync(AudioBuffer noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Enhance(noisy, progress, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public void EnhanceFile(string inputPath, string outputPath, OutputOptions? output = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputPath);
        ArgumentNullException.ThrowIfNull(outputPath);
        output ??= new OutputOptions();
        if (File.Exists(outputPath) && !output.Overwrite) throw new IOException($"'{outputPath}' exists; pass Overwrite to replace it.");
        var full = Path.GetFullPath(outputPath);
        if (string.Equals(full, Path.GetFullPath(inputPath), StringComparison.Ordinal))
            throw new IOException($"'{outputPath}' is the input itself; choose another output path.");
        // Separate into a private folder next to the target (same file system: the final move is a rename), then move.
        var tmpDir = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".speechsep-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var written = _separator.SeparateFile(inputPath, tmpDir, output with { Overwrite = true }, progress, cancellationToken);
            File.Move(written[0], full, overwrite: true);
        }
        finally
        {
            if (Directory.Exists(tmpDir)) Directory.Delete(tmpDir, true);
        }
    }

    /// <inheritdoc cref="IDisposable.Dispose" />
    public void Dispose() => _separator.Dispose();
}
