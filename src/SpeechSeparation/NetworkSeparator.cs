using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpeechSeparation.LongAudio;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;

namespace SpeechSeparation;

/// <summary>
/// <see cref="ISeparator"/> and <see cref="IEnhancer"/> over an <see cref="ISeparationNetwork"/>: resampling to the
/// network's rate and back, channel handling, windowed processing with speaker-order alignment, gain policy, and
/// bounded-memory file processing. Calls are serialised with a lock.
/// </summary>
public sealed class NetworkSeparator : ISeparator, IEnhancer
{
    private readonly ISeparationNetwork _network;
    private readonly SeparatorOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Wraps a network (the separator owns and disposes it).</summary>
    public NetworkSeparator(ISeparationNetwork network, SeparatorOptions? options = null)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        _options = options ?? new SeparatorOptions();
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NetworkSeparator>();
        if (_options.Threads is { } t) torch.set_num_threads(t);
        if (_options.OverlapSeconds < 0 || _options.OverlapSeconds > _options.WindowSeconds / 2)
            throw new ArgumentOutOfRangeException(nameof(options), "OverlapSeconds must be between 0 and half of WindowSeconds.");
    }

    /// <summary>The wrapped network.</summary>
    public ISeparationNetwork Network => _network;

    /// <inheritdoc cref="ISeparator.SampleRate" />
    public int SampleRate => _network.SampleRate;

    /// <inheritdoc />
    public int NumSources => _network.SourceNames.Count;

    /// <inheritdoc />
    public IReadOnlyList<string> SourceNames => _network.SourceNames;

    private int WindowSamples => Math.Max(2, (int)Math.Round(_options.WindowSeconds * SampleRate));
    private int OverlapSamples => Math.Min(WindowSamples / 2, (int)Math.Round(_options.OverlapSeconds * SampleRate));

    // ---------------- separation ----------------

    /// <inheritdoc />
    public SeparationResult Separate(AudioBuffer mixture, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mixture);
        Validate(mixture.Samples, mixture.Frames, "mixture");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var channels = _options.Channels == ChannelMode.Downmix || mixture.Channels == 1
                ? [mixture.Channels == 1 ? mixture.Channel(0).ToArray() : mixture.ToMono().Channel(0).ToArray()]
                : Enumerable.Range(0, mixture.Channels).Select(c => mixture.Channel(c).ToArray()).ToArray();
            var perChannel = new float[channels.Length][][];
            for (int c = 0; c < channels.Length; c++)
            {
                var sub = progress is null ? null : new Progress<double>(p => progress.Report((c + p) / channels.Length));
                perChannel[c] = SeparateMono(channels[c], mixture.SampleRate, sub, cancellationToken);
            }
            var sources = new List<AudioBuffer>();
            for (int s = 0; s < NumSources; s++)
            {
                var planar = new float[channels.Length * mixture.Frames];
                for (int c = 0; c < channels.Length; c++) perChannel[c][s].CopyTo(planar, c * mixture.Frames);
                sources.Add(new AudioBuffer(planar, channels.Length, mixture.SampleRate));
            }
            ApplyGain(sources, channels);
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

    /// <summary>Separates one mono signal at any rate; returns one array per source at the input rate and length.</summary>
    private float[][] SeparateMono(float[] samples, int rate, IProgress<double>? progress, CancellationToken ct)
    {
        var atModelRate = rate == SampleRate ? samples : Resampler.Create(rate, SampleRate).Process(samples);
        var stitcher = new OverlapAddStitcher(NumSources, WindowSamples, OverlapSamples, RunNetwork, _options.BatchSize, _network.OutputOrderIsArbitrary);
        _logger.LogDebug("Separating {Seconds:F1} s in windows of {Window} samples with {Overlap} overlap", samples.Length / (double)rate, stitcher.Window, stitcher.Overlap);
        var est = stitcher.Process(atModelRate, progress, ct);
        if (rate == SampleRate) return est;
        var back = Resampler.Create(SampleRate, rate);
        return est.Select(e => FitLength(back.Process(e), samples.Length)).ToArray();
    }

    private static float[] FitLength(float[] x, int n)
    {
        if (x.Length == n) return x;
        var r = new float[n];
        Array.Copy(x, r, Math.Min(n, x.Length));
        return r;
    }

    /// <summary>Runs a batch of windows through the network: [B, W] → per window, S arrays of W samples.</summary>
    private IReadOnlyList<float[][]> RunNetwork(IReadOnlyList<float[]> windows)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        int len = windows[0].Length;
        var flat = new float[windows.Count * len];
        for (int b = 0; b < windows.Count; b++) windows[b].CopyTo(flat, b * len);
        var x = torch.tensor(flat, [windows.Count, len], device: _network.Device);
        var y = _network.Separate(x);                                   // [B, S, T]
        var shape = y.shape;
        if (shape.Length != 3 || shape[0] != windows.Count || shape[1] != NumSources || shape[2] != len)
            throw new InvalidOperationException($"{_network.Architecture} returned [{string.Join(", ", shape)}] for input [{windows.Count}, {len}]; expected [{windows.Count}, {NumSources}, {len}].");
        var values = y.ToFloatArray();
        var result = new float[windows.Count][][];
        for (int b = 0; b < windows.Count; b++)
        {
            result[b] = new float[NumSources][];
            for (int s = 0; s < NumSources; s++)
                result[b][s] = values.AsSpan((b * NumSources + s) * len, len).ToArray();
        }
        return result;
    }

    /// <summary>Applies the gain policy in place (channels are the mixture's, per channel).</summary>
    private void ApplyGain(List<AudioBuffer> sources, float[][] mixtureChannels)
    {
        switch (_options.Gain)
        {
            case GainPolicy.None:
                return;
            case GainPolicy.PeakNormalize:
                foreach (var s in sources) Level.NormalizePeak(s.AsSpan(), -1.0);
                return;
            case GainPolicy.MatchMixture:
            {
                // One factor g minimising ‖mix − g·Σ stems‖² over all channels.
                double num = 0, den = 0;
                int frames = mixtureChannels[0].Length;
                for (int c = 0; c < mixtureChannels.Length; c++)
                    for (int i = 0; i < frames; i++)
                    {
                        double sum = 0;
                        foreach (var s in sources) sum += s.Samples[c * frames + i];
                        num += mixtureChannels[c][i] * sum;
                        den += sum * sum;
                    }
                double g = den > 0 && num > 0 ? num / den : 1.0;
                foreach (var s in sources) Level.ApplyGain(s.AsSpan(), g);
                _logger.LogDebug("Gain policy MatchMixture: stems scaled by {Gain:G4}", g);
                return;
            }
        }
    }

    private static void Validate(ReadOnlySpan<float> samples, int frames, string what)
    {
        if (frames == 0) throw new ArgumentException($"The {what} is empty.");
        for (int i = 0; i < samples.Length; i++)
            if (!float.IsFinite(samples[i])) throw new ArgumentException($"The {what} holds a non-finite value (NaN or infinity) at sample {i}.");
    }

    // ---------------- files (bounded memory) ----------------

    /// <inheritdoc />
    public IReadOnlyList<string> SeparateFile(string inputPath, string outputDirectory, OutputOptions? output = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        output ??= new OutputOptions();
        Directory.CreateDirectory(outputDirectory);
        var stem = Path.GetFileNameWithoutExtension(inputPath);
        var paths = SourceNames.Select(n => Path.Combine(outputDirectory, $"{stem}_{n}.wav")).ToList();
        if (!output.Overwrite)
            foreach (var p in paths)
                if (File.Exists(p)) throw new IOException($"'{p}' exists; pass Overwrite to replace it.");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                new FileSeparation(this, inputPath, paths, output, progress, cancellationToken).Run();
            }
            finally
            {
                NativeHeap.Trim();
            }
        }
        return paths;
    }

    /// <summary>Streams a file through the stitcher: pass 1 writes raw float stems per channel to temporary files, pass 2
    /// applies the gain policy and writes the requested format. Memory stays bounded by the block and window sizes.</summary>
    private sealed class FileSeparation(NetworkSeparator owner, string input, IReadOnlyList<string> outputs, OutputOptions options, IProgress<double>? progress, CancellationToken ct)
    {
        private const int Block = 16384;

        public void Run()
        {
            WavFormat format;
            long frames;
            using (var probe = new WavReader(input)) { format = probe.Format; frames = probe.FrameCount ?? -1; }
            int S = owner.NumSources;
            int outChannels = owner._options.Channels == ChannelMode.PerChannel ? format.Channels : 1;
            var temps = new string[S, outChannels];
            double num = 0, den = 0;
            try
            {
                for (int c = 0; c < outChannels; c++)
                {
                    for (int s = 0; s < S; s++) temps[s, c] = Path.GetTempFileName();
                    var (n, d) = SeparateChannel(c, outChannels == 1 ? -1 : c, format, frames, temps, outChannels);
                    num += n;
                    den += d;
                }
                double gain = owner._options.Gain == GainPolicy.MatchMixture && den > 0 && num > 0 ? num / den : 1.0;
                WriteOutputs(temps, outChannels, format.SampleRate, gain);
            }
            finally
            {
                foreach (var t in temps)
                    if (t is not null && File.Exists(t)) File.Delete(t);
            }
        }

        /// <summary>Separates one channel (or the down-mix when channel is -1); returns the least-squares sums.</summary>
        private (double Num, double Den) SeparateChannel(int index, int channel, WavFormat format, long frames, string[,] temps, int outChannels)
        {
            int S = owner.NumSources, rate = format.SampleRate, modelRate = owner.SampleRate;
            using var reader = new WavReader(input);
            var inter = new float[Block * format.Channels];
            var mono = new float[Block];
            var toModel = rate == modelRate ? null : Resampler.Create(rate, modelRate).CreateStream<float>();
            var fromModel = rate == modelRate ? null : Enumerable.Range(0, S).Select(_ => Resampler.Create(modelRate, rate).CreateStream<float>()).ToArray();
            var queue = new Queue<float>();
            var mixQueue = new Queue<float>();           // the mixture at the input rate, for the gain statistics
            var writers = Enumerable.Range(0, S).Select(s => new WavWriter(temps[s, index], new WavFormat(WavSampleFormat.Float32, 1, rate))).ToArray();
            var stemQueues = Enumerable.Range(0, S).Select(_ => new Queue<float>()).ToArray();
            long written = 0;
            double num = 0, den = 0;
            bool inputEnded = false;
            var resampled = new float[Block];           // any size: Pump drains the resampler until it has nothing left

            int Read(Span<float> dst)
            {
                while (queue.Count < dst.Length && !inputEnded)
                {
                    int got = reader.Read(inter.AsSpan(0, Block * format.Channels));
                    int n = got / format.Channels;
                    if (n == 0)
                    {
                        inputEnded = true;
                        if (toModel is not null) Pump(toModel, default, queue, resampled, flush: true);
                        break;
                    }
                    for (int i = 0; i < n; i++)
                    {
                        float v = 0;
                        if (channel < 0) { for (int ch = 0; ch < format.Channels; ch++) v += inter[i * format.Channels + ch]; v /= format.Channels; }
                        else v = inter[i * format.Channels + channel];
                        if (!float.IsFinite(v)) throw new InvalidDataException($"{input}: non-finite sample at frame {reader.Position - n + i}.");
                        mono[i] = v;
                        mixQueue.Enqueue(v);
                    }
                    if (toModel is null) for (int i = 0; i < n; i++) queue.Enqueue(mono[i]);
                    else Pump(toModel, mono.AsSpan(0, n), queue, resampled, flush: false);
                }
                int k = Math.Min(dst.Length, queue.Count);
                for (int i = 0; i < k; i++) dst[i] = queue.Dequeue();
                return k;
            }

            // Feeds a resampler (or flushes it) and moves everything it can produce into the queue: its output may exceed any
            // fixed multiple of the input (96 → 8 kHz and back is 12×), so it is called until it returns less than a full buffer.
            static void Pump(StreamingResampler<float> r, ReadOnlySpan<float> input, Queue<float> queue, float[] buffer, bool flush)
            {
                int m = flush ? r.Flush(buffer) : r.Process(input, buffer);
                while (true)
                {
                    for (int i = 0; i < m; i++) queue.Enqueue(buffer[i]);
                    if (m < buffer.Length) return;
                    m = flush ? r.Flush(buffer) : r.Process(default, buffer);
                }
            }

            void Drain(bool final)
            {
                int ready = stemQueues.Min(q => q.Count);
                if (final && frames >= 0) ready = (int)Math.Min(ready, frames - written);
                if (ready <= 0) return;
                var buf = new float[ready];
                var sum = new double[ready];
                for (int s = 0; s < S; s++)
                {
                    for (int i = 0; i < ready; i++) { buf[i] = stemQueues[s].Dequeue(); sum[i] += buf[i]; }
                    writers[s].Write(buf);
                }
                for (int i = 0; i < ready; i++)
                {
                    double m = mixQueue.Count > 0 ? mixQueue.Dequeue() : 0;
                    num += m * sum[i];
                    den += sum[i] * sum[i];
                }
                written += ready;
            }

            void Write(float[][] blocks, int count)
            {
                for (int s = 0; s < S; s++)
                {
                    if (fromModel is null) { for (int i = 0; i < count; i++) stemQueues[s].Enqueue(blocks[s][i]); continue; }
                    Pump(fromModel[s], blocks[s].AsSpan(0, count), stemQueues[s], resampled, flush: false);
                }
                Drain(false);
            }

            try
            {
                var stitcher = new OverlapAddStitcher(S, owner.WindowSamples, owner.OverlapSamples, owner.RunNetwork, owner._options.BatchSize, owner._network.OutputOrderIsArbitrary);
                long modelFrames = frames < 0 ? -1 : (long)Math.Ceiling(frames * (double)modelRate / rate);
                var sub = progress is null ? null : new Progress<double>(p => progress.Report((index + p) / outChannels));
                stitcher.Run(Read, Write, modelFrames < 0 ? null : modelFrames, sub, ct);
                if (fromModel is not null)
                    for (int s = 0; s < S; s++) Pump(fromModel[s], default, stemQueues[s], resampled, flush: true);
                Drain(true);
                // Pad to the input length if resampling came out short.
                if (frames >= 0 && written < frames)
                {
                    var zeros = new float[frames - written];
                    foreach (var w in writers) w.Write(zeros);
                }
                foreach (var w in writers) w.Complete();
            }
            finally
            {
                foreach (var w in writers) w.Dispose();
            }
            return (num, den);
        }

        private void WriteOutputs(string[,] temps, int channels, int rate, double gain)
        {
            int S = owner.NumSources;
            // Peak after gain, so integer formats are never clipped.
            double peak = 0;
            for (int s = 0; s < S; s++)
                for (int c = 0; c < channels; c++)
                {
                    using var r = new WavReader(temps[s, c]);
                    var b = new float[Block];
                    int n;
                    while ((n = r.Read(b)) > 0) peak = Math.Max(peak, Level.Peak(b.AsSpan(0, n)) * gain);
                }
            bool integer = options.Format is not (WavSampleFormat.Float32 or WavSampleFormat.Float64);
            if (integer && peak > 0.999) gain *= 0.999 / peak;
            for (int s = 0; s < S; s++)
            {
                var readers = Enumerable.Range(0, channels).Select(c => new WavReader(temps[s, c])).ToArray();
                try
                {
                    using var w = new WavWriter(outputs[s], new WavFormat(options.Format, channels, rate));
                    var blocks = Enumerable.Range(0, channels).Select(_ => new float[Block]).ToArray();
                    var inter = new float[Block * channels];
                    while (true)
                    {
                        int n = readers[0].Read(blocks[0]);
                        for (int c = 1; c < channels; c++) readers[c].Read(blocks[c].AsSpan(0, n));
                        if (n == 0) break;
                        for (int i = 0; i < n; i++)
                            for (int c = 0; c < channels; c++)
                                inter[i * channels + c] = (float)(blocks[c][i] * gain);
                        w.Write(inter.AsSpan(0, n * channels));
                    }
                    w.Complete();
                }
                finally
                {
                    foreach (var r in readers) r.Dispose();
                }
            }
        }
    }

    // ---------------- enhancement ----------------

    /// <inheritdoc />
    public AudioBuffer Enhance(AudioBuffer noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        RequireSingleOutput();
        return Separate(noisy, progress, cancellationToken).Sources[0];
    }

    /// <inheritdoc />
    public float[] Enhance(ReadOnlySpan<float> samples, int sampleRate, CancellationToken cancellationToken = default)
    {
        RequireSingleOutput();
        return Separate(samples, sampleRate, cancellationToken).Sources[0].Channel(0).ToArray();
    }

    /// <inheritdoc />
    public Task<AudioBuffer> EnhanceAsync(AudioBuffer noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Enhance(noisy, progress, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public void EnhanceFile(string inputPath, string outputPath, OutputOptions? output = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        RequireSingleOutput();
        output ??= new OutputOptions();
        if (File.Exists(outputPath) && !output.Overwrite) throw new IOException($"'{outputPath}' exists; pass Overwrite to replace it.");
        var tmpDir = Path.Combine(Path.GetTempPath(), "speechsep-" + Guid.NewGuid().ToString("N"));
        try
        {
            var written = SeparateFile(inputPath, tmpDir, output, progress, cancellationToken);
            File.Move(written[0], outputPath, overwrite: true);
        }
        finally
        {
            if (Directory.Exists(tmpDir)) Directory.Delete(tmpDir, true);
        }
    }

    private void RequireSingleOutput()
    {
        if (NumSources != 1) throw new InvalidOperationException($"{_network.Architecture} separates {NumSources} sources; use Separate.");
    }

    /// <inheritdoc cref="IDisposable.Dispose" />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _network.Dispose();
        }
    }
}
