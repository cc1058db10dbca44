using System.Diagnostics;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Audio;

/// <summary>The file formats the library writes.</summary>
public enum AudioFileFormat
{
    /// <summary>RIFF WAV, written in managed code (the default).</summary>
    Wav,

    /// <summary>FLAC (lossless), encoded by ffmpeg: 16-bit, or 24-bit for <see cref="WavSampleFormat.Pcm24"/> and float samples.</summary>
    Flac,

    /// <summary>MP3 (lossy), encoded by ffmpeg's libmp3lame at VBR quality 2 (about 190 kbit/s for 44.1 kHz stereo, less for speech rates).</summary>
    Mp3,
}

/// <summary>
/// Writes audio files as WAV (managed) or FLAC/MP3 (through an <c>ffmpeg</c> process fed by a pipe). Every write goes to a
/// temporary file in the target's folder that is moved into place only when complete, so a failure or a cancellation
/// never leaves a partial output, and the source is never modified.
/// </summary>
public static class AudioWriter
{
    /// <summary>The file extension of <paramref name="format"/>, with the dot (<c>.wav</c>, <c>.flac</c>, <c>.mp3</c>).</summary>
    public static string Extension(AudioFileFormat format) => format switch
    {
        AudioFileFormat.Wav => ".wav",
        AudioFileFormat.Flac => ".flac",
        AudioFileFormat.Mp3 => ".mp3",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown audio file format."),
    };

    /// <summary>Parses <c>wav</c>, <c>flac</c> or <c>mp3</c> (case-insensitive, an optional leading dot).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static AudioFileFormat ParseFormat(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.TrimStart('.').ToLowerInvariant() switch
        {
            "wav" or "wave" => AudioFileFormat.Wav,
            "flac" => AudioFileFormat.Flac,
            "mp3" => AudioFileFormat.Mp3,
            _ => throw new ArgumentException($"Unknown output format '{name}' (wav, flac, mp3).", nameof(name)),
        };
    }

    /// <summary>
    /// The WAV sample format handed to the encoder for <paramref name="format"/>: the requested one for WAV; 16 or 24 bits
    /// for FLAC (FLAC stores integers: float samples are written with 24 bits); 32-bit float for MP3 (the encoder quantises).
    /// </summary>
    public static WavSampleFormat IntermediateSampleFormat(AudioFileFormat format, WavSampleFormat sampleFormat) => format switch
    {
        AudioFileFormat.Wav => sampleFormat,
        AudioFileFormat.Flac => sampleFormat == WavSampleFormat.Pcm16 ? WavSampleFormat.Pcm16 : WavSampleFormat.Pcm24,
        AudioFileFormat.Mp3 => WavSampleFormat.Float32,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown audio file format."),
    };

    /// <summary>Checks that <paramref name="format"/> can be written: WAV always, FLAC and MP3 when ffmpeg starts.</summary>
    /// <param name="format">The output format.</param>
    /// <param name="ffmpegPath">The ffmpeg executable (null: <see cref="FfmpegDecoder.Executable"/>).</param>
    /// <exception cref="NotSupportedException">ffmpeg is needed and cannot be started (the message names it and how to install it).</exception>
    public static void RequireEncoder(AudioFileFormat format, string? ffmpegPath = null)
    {
        if (format == AudioFileFormat.Wav) return;
        string exe = ffmpegPath ?? FfmpegDecoder.Executable;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(exe, ["-hide_banner", "-version"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null) throw MissingFfmpeg(format, exe, null);
            p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw MissingFfmpeg(format, exe, null);
        }
        catch (System.ComponentModel.Win32Exception e) { throw MissingFfmpeg(format, exe, e); }
    }

    /// <summary>Writes <paramref name="audio"/> to <paramref name="path"/> as <paramref name="format"/>.</summary>
    /// <param name="path">The target file (its extension is not checked).</param>
    /// <param name="audio">The samples.</param>
    /// <param name="format">WAV, FLAC or MP3.</param>
    /// <param name="sampleFormat">Sample format of a WAV, and bit depth of a FLAC (see <see cref="IntermediateSampleFormat"/>).</param>
    /// <param name="overwrite">Replace an existing file (otherwise an existing target raises <see cref="IOException"/>).</param>
    /// <param name="ffmpegPath">The ffmpeg executable for FLAC/MP3 (null: <see cref="FfmpegDecoder.Executable"/>).</param>
    /// <param name="cancellationToken">Stops the encoder; nothing is left at <paramref name="path"/>.</param>
    /// <exception cref="NotSupportedException">FLAC/MP3 and ffmpeg cannot be started.</exception>
    /// <exception cref="IOException">The target exists and <paramref name="overwrite"/> is false, or ffmpeg failed (its message).</exception>
    public static void Write(string path, AudioBuffer audio, AudioFileFormat format, WavSampleFormat sampleFormat = WavSampleFormat.Pcm16,
        bool overwrite = true, string? ffmpegPath = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(audio);
        var wavFormat = IntermediateSampleFormat(format, sampleFormat);
        Publish(path, overwrite, tmp =>
        {
            if (format == AudioFileFormat.Wav) { Wav.Write(tmp, audio, wavFormat); return; }
            // A seekable WAV image first, so that its header carries exact sizes.
            using var image = new MemoryStream();
            Wav.Write(image, audio, wavFormat);
            Encode(s => { image.Position = 0; image.CopyTo(s); }, tmp, format, ffmpegPath, cancellationToken);
        });
    }

    /// <summary>Encodes the WAV file <paramref name="wavPath"/> into <paramref name="path"/> as <paramref name="format"/>
    /// (a WAV target is a copy). The source is only read.</summary>
    /// <exception cref="NotSupportedException">FLAC/MP3 and ffmpeg cannot be started.</exception>
    /// <exception cref="IOException">The target exists and <paramref name="overwrite"/> is false, or ffmpeg failed (its message).</exception>
    public static void EncodeWavFile(string wavPath, string path, AudioFileFormat format, bool overwrite = true, string? ffmpegPath = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wavPath);
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(wavPath)) throw new FileNotFoundException($"WAV file '{wavPath}' does not exist.", wavPath);
        if (string.Equals(Path.GetFullPath(wavPath), Path.GetFullPath(path), StringComparison.Ordinal))
            throw new IOException($"'{path}' is the source itself; choose another output path.");
        Publish(path, overwrite, tmp =>
        {
            if (format == AudioFileFormat.Wav) { File.Copy(wavPath, tmp, overwrite: true); return; }
            Encode(s => { using var src = File.OpenRead(wavPath); src.CopyTo(s); }, tmp, format, ffmpegPath, cancellationToken);
        });
    }

    // Writes through a temporary file in the target's folder (same file system: the final move is a rename).
    private static void Publish(string path, bool overwrite, Action<string> write)
    {
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full)) throw new IOException($"'{path}' exists; pass overwrite to replace it.");
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + ".speechsep-" + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        try
        {
            write(tmp);
            File.Move(tmp, full, overwrite);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static void Encode(Action<Stream> writeWav, string target, AudioFileFormat format, string? ffmpegPath, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        string exe = ffmpegPath ?? FfmpegDecoder.Executable;
        string[] codec = format switch
        {
            AudioFileFormat.Flac => ["-c:a", "flac", "-compression_level", "5", "-f", "flac"],
            AudioFileFormat.Mp3 => ["-c:a", "libmp3lame", "-q:a", "2", "-f", "mp3"],
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not an ffmpeg format."),
        };
        var psi = new ProcessStartInfo(exe, ["-hide_banner", "-v", "error", "-f", "wav", "-i", "pipe:0", "-map_metadata", "-1", .. codec, "-y", target])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process process;
        try { process = Process.Start(psi) ?? throw MissingFfmpeg(format, exe, null); }
        catch (System.ComponentModel.Win32Exception e) { throw MissingFfmpeg(format, exe, e); }
        using (process)
        using (ct.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            IOException? pipeError = null;
            try
            {
                using var stdin = process.StandardInput.BaseStream;
                writeWav(stdin);
            }
            catch (IOException e) { pipeError = e; }     // ffmpeg stopped reading: its own message below says why
            process.WaitForExit();
            ct.ThrowIfCancellationRequested();
            string message = errors.GetAwaiter().GetResult().Trim();
            output.GetAwaiter().GetResult();
            if (process.ExitCode != 0 || pipeError is not null)
                throw new IOException($"ffmpeg could not encode {format.ToString().ToUpperInvariant()} '{Path.GetFileName(target)}': " +
                                      (message.Length > 0 ? message : pipeError?.Message ?? $"exit code {process.ExitCode}"), pipeError);
        }
    }

    private static NotSupportedException MissingFfmpeg(AudioFileFormat format, string exe, Exception? inner) =>
        new($"Writing {format.ToString().ToUpperInvariant()} needs ffmpeg, and '{exe}' could not be started: install it (Debian/Ubuntu: apt install ffmpeg; " +
            "macOS: brew install ffmpeg; Windows: winget install ffmpeg), set SPEECHSEP_FFMPEG, or write WAV (the default).", inner);
}
