namespace SpeechSeparation.Signal;

/// <summary>How samples are stored in a WAV <c>data</c> chunk.</summary>
public enum WavSampleFormat
{
    /// <summary>8-bit unsigned integer PCM (offset 128).</summary>
    Pcm8,
    /// <summary>16-bit signed integer PCM.</summary>
    Pcm16,
    /// <summary>24-bit signed integer PCM packed in 3 bytes.</summary>
    Pcm24,
    /// <summary>32-bit signed integer PCM.</summary>
    Pcm32,
    /// <summary>32-bit IEEE float.</summary>
    Float32,
    /// <summary>64-bit IEEE float.</summary>
    Float64,
}

/// <summary>The layout of a WAV file's audio: sample format, channel count and sample rate.</summary>
/// <param name="SampleFormat">Stored sample format.</param>
/// <param name="Channels">Number of interleaved channels (≥ 1).</param>
/// <param name="SampleRate">Frames per second (≥ 1).</param>
public sealed record WavFormat(WavSampleFormat SampleFormat, int Channels, int SampleRate)
{
    /// <summary>Bits per stored sample.</summary>
    public int BitsPerSample => SampleFormat switch
    {
        WavSampleFormat.Pcm8 => 8,
        WavSampleFormat.Pcm16 => 16,
        WavSampleFormat.Pcm24 => 24,
        WavSampleFormat.Pcm32 or WavSampleFormat.Float32 => 32,
        WavSampleFormat.Float64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(SampleFormat), SampleFormat, "Unknown WAV sample format."),
    };

    /// <summary>Bytes per stored sample.</summary>
    public int BytesPerSample => BitsPerSample / 8;

    /// <summary>Bytes per frame (all channels), the <c>fmt </c> chunk's block align.</summary>
    public int BlockAlign => BytesPerSample * Channels;

    /// <summary>Whether the samples are IEEE floats.</summary>
    public bool IsFloat => SampleFormat is WavSampleFormat.Float32 or WavSampleFormat.Float64;

    internal void Validate()
    {
        _ = BitsPerSample;
        if (Channels < 1 || Channels > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "A WAV file holds 1 to 65535 channels.");
        if (SampleRate < 1) throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, "The sample rate must be positive.");
        if ((long)BlockAlign > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(Channels), Channels, $"{Channels} channels of {BitsPerSample}-bit samples exceed the WAV block-align limit of 65535 bytes.");
    }
}
