using SpeechSeparation.Signal;

namespace SpeechSeparation.Audio;

/// <summary>The container of an audio file, from its first bytes.</summary>
public enum AudioContainer
{
    /// <summary>RIFF/WAVE (read by <see cref="WavReader"/>).</summary>
    Wav,
    /// <summary>MPEG audio (ID3 tag or frame sync).</summary>
    Mp3,
    /// <summary>Ogg with Vorbis.</summary>
    OggVorbis,
    /// <summary>Ogg with Opus.</summary>
    OggOpus,
    /// <summary>Anything else: decoded by ffmpeg when it is installed (FLAC, M4A/AAC, …).</summary>
    Other,
}

/// <summary>
/// Reads any common audio file: WAV (pure C#), MP3 (NLayer), Ogg Vorbis (NVorbis), Ogg Opus (Concentus + this library's
/// Ogg reader), and FLAC, M4A/AAC and everything else through ffmpeg when it is installed. The format is decided by the
/// file's content, not its name.
/// </summary>
public static class AudioFile
{
    /// <summary>File extensions folder inputs pick up.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".wma", ".webm", ".mka"];

    /// <summary>Whether a path has one of <see cref="Extensions"/>.</summary>
    public static bool HasAudioExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>The container of a file, from its first bytes.</summary>
    public static AudioContainer Detect(string path)
    {
        using var s = File.OpenRead(path);
        var head = new byte[64];
        int n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Detect(head.AsSpan(0, n));
    }

    /// <summary>The container of a file whose first bytes are <paramref name="head"/> (64 are enough).</summary>
    public static AudioContainer Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8)) return AudioContainer.Wav;
        if (head.Length >= 12 && head[..4].SequenceEqual("RF64"u8)) return AudioContainer.Wav;
        if (head.Length >= 4 && head[..4].SequenceEqual("OggS"u8))
        {
            // The first page holds the codec's identification packet.
            if (head.IndexOf("OpusHead"u8) >= 0) return AudioContainer.OggOpus;
            if (head.IndexOf("vorbis"u8) >= 0) return AudioContainer.OggVorbis;
            return AudioContainer.Other;
        }
        if (head.Length >= 3 && head[..3].SequenceEqual("ID3"u8)) return AudioContainer.Mp3;
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && (head[1] & 0x06) != 0) return AudioContainer.Mp3;   // MPEG audio frame sync, layer ≠ reserved
        return AudioContainer.Other;
    }

    /// <summary>Opens a streaming decoder for a file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is damaged or not audio.</exception>
    /// <exception cref="NotSupportedException">The format needs ffmpeg and it is not installed (named in the message).</exception>
    public static IAudioDecoder Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No such audio file: '{path}'.", path);
        var container = Detect(path);
        try
        {
            return container switch
            {
                AudioContainer.Wav => new WavDecoder(new WavReader(path)),
                AudioContainer.Mp3 => new Mp3Decoder(File.OpenRead(path)),
                AudioContainer.OggVorbis => new VorbisDecoder(File.OpenRead(path)),
                AudioContainer.OggOpus => new OggOpusDecoder(File.OpenRead(path)),
                _ => new FfmpegDecoder(path),
            };
        }
        catch (InvalidDataException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads a whole file into a planar buffer at its own rate and channel count.</summary>
    /// <exception cref="InvalidDataException">The file is damaged or not audio.</exception>
    /// <exception cref="NotSupportedException">The format needs ffmpeg and it is not installed.</exception>
    public static AudioBuffer Read(string path)
    {
        using var d = Open(path);
        var interleaved = new List<float>();
        var block = new float[16384 * d.Channels];
        int n;
        while ((n = d.Read(block)) > 0) interleaved.AddRange(block.AsSpan(0, n));
        return AudioBuffer.FromInterleaved(interleaved.ToArray(), d.Channels, d.SampleRate);
    }

    /// <summary>
    /// Decodes a file block by block into a 32-bit float WAV (bounded memory), for code that streams WAV: returns
    /// <paramref name="path"/> itself when it already is a WAV file.
    /// </summary>
    public static string AsWav(string path, string temporaryWavPath)
    {
        if (Detect(path) == AudioContainer.Wav) return path;
        using var d = Open(path);
        using (var w = new WavWriter(temporaryWavPath, new WavFormat(WavSampleFormat.Float32, d.Channels, d.SampleRate)))
        {
            var block = new float[16384 * d.Channels];
            int n;
            while ((n = d.Read(block)) > 0) w.Write(block.AsSpan(0, n));
            w.Complete();
        }
        return temporaryWavPath;
    }

    private sealed class WavDecoder(WavReader reader) : IAudioDecoder
    {
        public int SampleRate => reader.Format.SampleRate;
        public int Channels => reader.Format.Channels;
        public int Read(Span<float> destination) => reader.Read(destination[..(destination.Length / Channels * Channels)]) * Channels;   // WavReader counts frames
        public void Dispose() => reader.Dispose();
    }
}
