namespace SpeechSeparation.Signal;

/// <summary>
/// Multi-channel audio held in memory as 32-bit float samples in <b>planar</b> layout: one contiguous array,
/// channel-major (<c>Samples[c * Frames + t]</c> is channel <c>c</c> at frame <c>t</c>), the same layout as a
/// <c>[channels, time]</c> tensor. Full scale is ±1 (values outside are kept, not clipped).
/// </summary>
public sealed class AudioBuffer
{
    /// <summary>Creates a silent buffer.</summary>
    /// <param name="channels">Number of channels (≥ 1).</param>
    /// <param name="frames">Number of frames (samples per channel, ≥ 0).</param>
    /// <param name="sampleRate">Sample rate in Hz (≥ 1).</param>
    public AudioBuffer(int channels, int frames, int sampleRate)
    {
        Validate(channels, frames, sampleRate);
        Channels = channels;
        Frames = frames;
        SampleRate = sampleRate;
        Samples = new float[checked(channels * frames)];
    }

    /// <summary>Wraps an existing planar (channel-major) sample array without copying.</summary>
    /// <param name="planarSamples">Samples, length a multiple of <paramref name="channels"/>.</param>
    /// <param name="channels">Number of channels (≥ 1).</param>
    /// <param name="sampleRate">Sample rate in Hz (≥ 1).</param>
    public AudioBuffer(float[] planarSamples, int channels, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(planarSamples);
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "An audio buffer needs at least one channel.");
        if (planarSamples.Length % channels != 0)
            throw new ArgumentException($"{planarSamples.Length} samples cannot be split into {channels} equal channels.", nameof(planarSamples));
        Validate(channels, planarSamples.Length / channels, sampleRate);
        Channels = channels;
        Frames = planarSamples.Length / channels;
        SampleRate = sampleRate;
        Samples = planarSamples;
    }

    private static void Validate(int channels, int frames, int sampleRate)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "An audio buffer needs at least one channel.");
        if (frames < 0) throw new ArgumentOutOfRangeException(nameof(frames), frames, "The frame count cannot be negative.");
        if (sampleRate < 1) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive.");
    }

    /// <summary>Sample rate in Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }

    /// <summary>Number of frames (samples per channel).</summary>
    public int Frames { get; }

    /// <summary>Duration of the buffer.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)Frames / SampleRate);

    /// <summary>All samples, planar (channel-major): channel <c>c</c> occupies <c>[c·Frames, (c+1)·Frames)</c>.</summary>
    public float[] Samples { get; }

    /// <summary>All samples as a span (planar).</summary>
    public Span<float> AsSpan() => Samples;

    /// <summary>The samples of one channel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such channel.</exception>
    public Span<float> Channel(int channel)
    {
        if ((uint)channel >= (uint)Channels)
            throw new ArgumentOutOfRangeException(nameof(channel), channel, $"The buffer has {Channels} channel(s).");
        return Samples.AsSpan(channel * Frames, Frames);
    }

    /// <summary>Creates a one-channel buffer holding a copy of <paramref name="samples"/>.</summary>
    public static AudioBuffer FromMono(ReadOnlySpan<float> samples, int sampleRate) =>
        new(samples.ToArray(), 1, sampleRate);

    /// <summary>Creates a buffer from interleaved frames (<c>[t·channels + c]</c>), copying them into planar layout.</summary>
    public static AudioBuffer FromInterleaved(ReadOnlySpan<float> interleaved, int channels, int sampleRate)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "An audio buffer needs at least one channel.");
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"{interleaved.Length} interleaved samples are not a whole number of {channels}-channel frames.", nameof(interleaved));
        int frames = interleaved.Length / channels;
        var buf = new AudioBuffer(channels, frames, sampleRate);
        Deinterleave(interleaved, buf.Samples, channels);
        return buf;
    }

    /// <summary>Copies the samples into interleaved order (<c>[t·Channels + c]</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <c>Channels·Frames</c>.</exception>
    public void CopyInterleavedTo(Span<float> destination)
    {
        if (destination.Length < Samples.Length)
            throw new ArgumentException($"Destination holds {destination.Length} samples; {Samples.Length} needed.", nameof(destination));
        if (Channels == 1) { Samples.AsSpan().CopyTo(destination); return; }
        for (int c = 0; c < Channels; c++)
        {
            var src = Samples.AsSpan(c * Frames, Frames);
            for (int t = 0; t < src.Length; t++) destination[t * Channels + c] = src[t];
        }
    }

    /// <summary>The samples in interleaved order, as a new array.</summary>
    public float[] ToInterleaved()
    {
        var r = new float[Samples.Length];
        CopyInterleavedTo(r);
        return r;
    }

    internal static void Deinterleave(ReadOnlySpan<float> interleaved, Span<float> planar, int channels)
    {
        int frames = interleaved.Length / channels;
        if (channels == 1) { interleaved.CopyTo(planar); return; }
        for (int c = 0; c < channels; c++)
        {
            var dst = planar.Slice(c * frames, frames);
            for (int t = 0; t < frames; t++) dst[t] = interleaved[t * channels + c];
        }
    }

    /// <summary>A new buffer holding copies of the listed channels, in the order given (a channel may repeat).</summary>
    /// <exception cref="ArgumentException">No channel listed, or one out of range.</exception>
    public AudioBuffer SelectChannels(params int[] channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Length == 0) throw new ArgumentException("Select at least one channel.", nameof(channels));
        var r = new AudioBuffer(channels.Length, Frames, SampleRate);
        for (int i = 0; i < channels.Length; i++) Channel(channels[i]).CopyTo(r.Channel(i));
        return r;
    }

    /// <summary>
    /// Down-mix to one channel: the mean over channels (as <c>librosa.to_mono</c>; stereo gives (L + R)/2),
    /// accumulated in double precision. A mono buffer is copied.
    /// </summary>
    public AudioBuffer ToMono()
    {
        var r = new AudioBuffer(1, Frames, SampleRate);
        DownmixTo(r.Samples);
        return r;
    }

    /// <summary>Writes the mean over channels into <paramref name="destination"/> (length ≥ <see cref="Frames"/>).</summary>
    public void DownmixTo(Span<float> destination)
    {
        if (destination.Length < Frames)
            throw new ArgumentException($"Destination holds {destination.Length} samples; {Frames} needed.", nameof(destination));
        if (Channels == 1) { Samples.AsSpan().CopyTo(destination); return; }
        double inv = 1.0 / Channels;
        for (int t = 0; t < Frames; t++)
        {
            double s = 0;
            for (int c = 0; c < Channels; c++) s += Samples[c * Frames + t];
            destination[t] = (float)(s * inv);
        }
    }

    /// <summary>A copy of frames <c>[start, start + count)</c> of every channel.</summary>
    public AudioBuffer Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start > Frames - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"Frames [{start}, {start}+{count}) are outside the buffer of {Frames} frames.");
        var r = new AudioBuffer(Channels, count, SampleRate);
        for (int c = 0; c < Channels; c++) Channel(c).Slice(start, count).CopyTo(r.Channel(c));
        return r;
    }

    /// <summary>A deep copy.</summary>
    public AudioBuffer Clone() => new((float[])Samples.Clone(), Channels, SampleRate);

    /// <inheritdoc />
    public override string ToString() => $"AudioBuffer({Channels} ch, {Frames} frames, {SampleRate} Hz, {Duration.TotalSeconds:0.###} s)";
}
