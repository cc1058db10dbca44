namespace SpeechSeparation.Signal;

/// <summary>One-call WAV reading and writing (see <see cref="WavReader"/> and <see cref="WavWriter"/> for streaming).</summary>
public static class Wav
{
    /// <summary>Reads a whole WAV file into a planar float buffer.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt, truncated or of an unsupported format.</exception>
    public static AudioBuffer Read(string path)
    {
        using var r = new WavReader(path);
        return r.ReadAll();
    }

    /// <summary>Reads a whole WAV stream into a planar float buffer.</summary>
    /// <exception cref="InvalidDataException">The stream is corrupt, truncated or of an unsupported format.</exception>
    public static AudioBuffer Read(Stream stream)
    {
        using var r = new WavReader(stream, leaveOpen: true);
        return r.ReadAll();
    }

    /// <summary>Reads a whole WAV file as interleaved doubles (<c>[t·channels + c]</c>), exact for every stored format.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt, truncated or of an unsupported format.</exception>
    public static double[] ReadDouble(string path, out WavFormat format)
    {
        using var r = new WavReader(path);
        format = r.Format;
        return r.ReadAllDouble();
    }

    /// <summary>Reads only the header of a WAV file: its format and frame count.</summary>
    public static (WavFormat Format, long Frames) ReadInfo(string path)
    {
        using var r = new WavReader(path);
        return (r.Format, r.FrameCount ?? 0);
    }

    /// <summary>Writes a buffer atomically (temporary file + rename) in the given sample format (default 16-bit PCM).</summary>
    public static void Write(string path, AudioBuffer buffer, WavSampleFormat sampleFormat = WavSampleFormat.Pcm16)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using var w = new WavWriter(path, new WavFormat(sampleFormat, buffer.Channels, buffer.SampleRate));
        w.Write(buffer);
        w.Complete();
    }

    /// <summary>Writes interleaved double frames atomically.</summary>
    public static void Write(string path, ReadOnlySpan<double> interleaved, WavFormat format)
    {
        using var w = new WavWriter(path, format);
        w.Write(interleaved);
        w.Complete();
    }

    /// <summary>Writes a buffer to a stream.</summary>
    public static void Write(Stream stream, AudioBuffer buffer, WavSampleFormat sampleFormat = WavSampleFormat.Pcm16)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using var w = new WavWriter(stream, new WavFormat(sampleFormat, buffer.Channels, buffer.SampleRate), leaveOpen: true);
        w.Write(buffer);
        w.Complete();
    }
}
