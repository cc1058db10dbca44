using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpeechSeparation.Processing;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;

namespace SpeechSeparation;

/// <summary>
/// <see cref="ISeparator"/> over an <see cref="ISeparationNetwork"/>. The work is split by job: windows, resampling and
/// stitching (<c>Processing/WindowedNetwork</c>), channel and gain policy (<c>Processing/ChannelAndGainPolicy</c>),
/// bounded-memory files (<c>Processing/StreamingFileSeparation</c>); <see cref="NetworkEnhancer"/> is the
/// one-output adapter. Thread safety: an instance may be used from several threads at once; calls are serialised
/// (one network, one forward pass at a time) and give the same result as the same calls made one after another.
/// </summary>
public sealed class NetworkSeparator : ISeparator
{
    private readonly WindowedNetwork _windows;
    private readonly SeparatorOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Wraps a network (the separator owns and disposes it).</summary>
    /// <remarks><see cref="SeparatorOptions.Threads"/> sets libtorch's intra-op thread count, which is process-wide: the
    /// last separator created with it wins for every model in the process.</remarks>
    public NetworkSeparator(ISeparationNetwork network, SeparatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        _options = options ?? new SeparatorOptions();
        if (_options.OverlapSeconds < 0 || _options.OverlapSeconds > _options.WindowSeconds / 2)
            throw new ArgumentOutOfRangeException(nameof(options), "OverlapSeconds must be between 0 and half of WindowSeconds.");
        if (_options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NetworkSeparator>();
        _windows = new WindowedNetwork(network, _options, _logger);
        if (_options.Threads is { } t) torch.set_num_threads(t);
    }

    /// <summary>The wrapped network.</summary>
    public ISeparationNetwork Network => _windows.Network;

    /// <inheritdoc cref="ISeparator.SampleRate" />
    public int SampleRate => _windows.SampleRate;

    /// <inheritdoc />
    public int NumSources => _windows.NumSources;

    /// <inheritdoc />
    public IReadOnlyList<string> SourceNames => Network.SourceNames;

    /// <inheritdoc />
    public SeparationResult Separate(AudioBuffer mixture, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mixture);
        Validate(mixture.Samples, mixture.Frames, "mixture");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var channels = ChannelAndGainPolicy.InputChannels(mixture, _options.Channels);
            var perChannel = new float[channels.Length][][];
            for (int c = 0; c < channels.Length; c++)
            {
                var sub = progress is null ? null : new Progress<double>(p => progress.Report((c + p) / channels.Length));
                perChannel[c] = _windows.SeparateMono(channels[c], mixture.SampleRate, sub, cancellationToken);
            }
            var sources = new List<AudioBuffer>();
            for (int s = 0; s < NumSources; s++)
            {
                var planar = new float[channels.Length * mixture.Frames];
                for (int c = 0; c < channels.Length; c++) perChannel[c][s].CopyTo(planar, c * mixture.Frames);
                sources.Add(new AudioBuffer(planar, channels.Length, mixture.SampleRate));
            }
            ChannelAndGainPolicy.Apply(_options.Gain, sources, channels, _logger);
            NativeHeap.Trim();   // the forward passes' freed activations go back to the system (see NativeHeap)
            return new SeparationResult(SourceNames, sources);
        }
    }

    /// <inheritdoc />
    public SeparationResult Separate(ReadOnlySpan<float> samples, int sampleRate, CancellationToken cancellationToken = default) =>
        Separate(AudioBuffer.FromMono(samples, sampleRate), null, cancellationToken);

    /// <inheritdoc />
    public IReadOnlyList<SeparationResult> SeparateBatch(IReadOnlyList<AudioBuffer> mixtures, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mixtures);
        return mixtures.Select(m => Separate(m, null, cancellationToken)).ToList();
    }

    /// <inheritdoc />
    public Task<SeparationResult> SeparateAsync(AudioBuffer mixture, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Separate(mixture, progress, cancellationToken), cancellationToken);

    private static void Validate(ReadOnlySpan<float> samples, int frames, string what)
    {
        if (frames == 0) throw new ArgumentException($"The {what} is empty (0 frames): there is nothing to separate.");
        for (int i = 0; i < samples.Length; i++)
            if (!float.IsFinite(samples[i])) throw new ArgumentException($"The {what} holds a non-finite value (NaN or infinity) at sample {i}.");
    }

    /// <inheritdoc />
    public IReadOnlyList<string> SeparateFile(string inputPath, string outputDirectory, OutputOptions? output = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputPath);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        output ??= new OutputOptions();
        var stem = Path.GetFileNameWithoutExtension(inputPath);
        string extension = Audio.AudioWriter.Extension(output.FileFormat);
        var paths = SourceNames.Select(n => Path.Combine(outputDirectory, $"{stem}_{n}{extension}")).ToList();
        Audio.AudioWriter.RequireEncoder(output.FileFormat, output.FfmpegPath);
        if (!output.Overwrite)
            foreach (var p in paths)
                if (File.Exists(p)) throw new IOException($"'{p}' exists; pass Overwrite to replace it.");
        Directory.CreateDirectory(outputDirectory);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                new StreamingFileSeparation(_windows, _options, inputPath, paths, output, progress, cancellationToken).Run();
            }
            finally
            {
                NativeHeap.Trim();
            }
        }
        return paths;
    }

    /// <inheritdoc cref="IDisposable.Dispose" />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            Network.Dispose();
        }
    }
}
