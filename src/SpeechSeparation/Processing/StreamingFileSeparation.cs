using SpeechSeparation.Audio;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Processing;

/// <summary>Streams a file through the stitcher: pass 1 writes raw float stems per channel to temporary files, pass 2
/// applies the gain policy and writes the requested format. Memory stays bounded by the block and window sizes.</summary>
internal sealed class StreamingFileSeparation(WindowedNetwork network, SeparatorOptions separatorOptions, string input, IReadOnlyList<string> outputs, OutputOptions options, IProgress<double>? progress, CancellationToken ct)
{
    private const int Block = 16384;

    // The WAV actually streamed: the input itself, or its decoded copy (MP3, Ogg, FLAC, … through SpeechSeparation.Audio).
    private string? _decoded;
    private string _wav => _decoded ?? input;

    public void Run()
    {
        try
        {
            if (AudioFile.Detect(input) != AudioContainer.Wav)
                _decoded = AudioFile.AsWav(input, TempWavPath());
            RunWav();
        }
        finally
        {
            if (_decoded is not null && File.Exists(_decoded)) File.Delete(_decoded);
        }
    }

    private void RunWav()
    {
        WavFormat format;
        long frames;
        using (var probe = new WavReader(_wav)) { format = probe.Format; frames = probe.FrameCount ?? -1; }
        if (frames == 0) throw EmptyInput();
        int S = network.NumSources;
        int outChannels = ChannelAndGainPolicy.OutputChannels(format.Channels, separatorOptions.Channels);
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
            double gain = separatorOptions.Gain == GainPolicy.MatchMixture ? ChannelAndGainPolicy.MatchMixtureFactor(num, den) : 1.0;
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
        int S = network.NumSources, rate = format.SampleRate, modelRate = network.SampleRate;
        using var reader = new WavReader(_wav);
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
                int n = reader.Read(inter.AsSpan(0, Block * format.Channels));     // frames (WavReader.Read counts frames)
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
            var stitcher = network.CreateStitcher();
            long modelFrames = frames < 0 ? -1 : (long)Math.Ceiling(frames * (double)modelRate / rate);
            var sub = progress is null ? null : new Progress<double>(p => progress.Report((index + p) / outChannels));
            stitcher.Run(Read, Write, modelFrames < 0 ? null : modelFrames, sub, ct);
            if (fromModel is not null)
                for (int s = 0; s < S; s++) Pump(fromModel[s], default, stemQueues[s], resampled, flush: true);
            Drain(true);
            if (written == 0 && frames < 0) throw EmptyInput();       // a streamed WAV (size unknown) that held nothing
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

    // Empty audio is an error, as for in-memory separation: no stems are written for it.
    private InvalidDataException EmptyInput() => new($"'{input}' holds no audio (0 frames): there is nothing to separate.");

    private WavSampleFormat SampleFormat => AudioWriter.IntermediateSampleFormat(options.FileFormat, options.Format);

    private void WriteOutputs(string[,] temps, int channels, int rate, double gain)
    {
        int S = network.NumSources;
        // Per-stem peaks: PeakNormalize scales each stem to −1 dBFS (as in memory); otherwise one gain for all stems,
        // lowered if needed so that integer formats are never clipped.
        var peaks = new double[S];
        for (int s = 0; s < S; s++)
            for (int c = 0; c < channels; c++)
            {
                using var r = new WavReader(temps[s, c]);
                var b = new float[Block];
                int n;
                while ((n = r.Read(b)) > 0) peaks[s] = Math.Max(peaks[s], Level.Peak(b.AsSpan(0, n)));
            }
        var gains = new double[S];
        if (separatorOptions.Gain == GainPolicy.PeakNormalize)
            for (int s = 0; s < S; s++) gains[s] = peaks[s] > 0 ? Math.Pow(10, -1.0 / 20) / peaks[s] : 1.0;
        else
        {
            double peak = peaks.Max() * gain;
            bool integer = SampleFormat is not (WavSampleFormat.Float32 or WavSampleFormat.Float64);
            if (integer && peak > 0.999) gain *= 0.999 / peak;
            Array.Fill(gains, gain);
        }
        for (int s = 0; s < S; s++)
        {
            var readers = Enumerable.Range(0, channels).Select(c => new WavReader(temps[s, c])).ToArray();
            // FLAC/MP3: the stem is written as a WAV first, then encoded by ffmpeg into place (never a partial output).
            string? wavStem = options.FileFormat == AudioFileFormat.Wav ? null : TempWavPath();
            try
            {
                using (var w = new WavWriter(wavStem ?? outputs[s], new WavFormat(SampleFormat, channels, rate)))
                {
                    var blocks = Enumerable.Range(0, channels).Select(_ => new float[Block]).ToArray();
                    var inter = new float[Block * channels];
                    while (true)
                    {
                        int n = readers[0].Read(blocks[0]);
                        for (int c = 1; c < channels; c++) readers[c].Read(blocks[c].AsSpan(0, n));
                        if (n == 0) break;
                        for (int i = 0; i < n; i++)
                            for (int c = 0; c < channels; c++)
                                inter[i * channels + c] = (float)(blocks[c][i] * gains[s]);
                        w.Write(inter.AsSpan(0, n * channels));
                    }
                    w.Complete();
                }
                if (wavStem is not null) AudioWriter.EncodeWavFile(wavStem, outputs[s], options.FileFormat, overwrite: true, options.FfmpegPath, ct);
            }
            finally
            {
                foreach (var r in readers) r.Dispose();
                if (wavStem is not null && File.Exists(wavStem)) File.Delete(wavStem);
            }
        }
    }

    /// <summary>A fresh path for an intermediate WAV file in the temporary folder (decoded input, or a stem before encoding).</summary>
    private static string TempWavPath() => Path.Combine(Path.GetTempPath(), "speechsep-" + Guid.NewGuid().ToString("N") + ".wav");
}
