using System.Diagnostics;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Audio;

/// <summary>
/// Every other format (FLAC, M4A/AAC, WMA, …) through an <c>ffmpeg</c> process: it decodes to a 32-bit float WAV on its
/// standard output, read here as a stream (bounded memory). Needs <c>ffmpeg</c> on the PATH (or <c>SPEECHSEP_FFMPEG</c>).
/// </summary>
public sealed class FfmpegDecoder : IAudioDecoder
{
    private readonly Process _process;
    private readonly WavReader _wav;
    private readonly Task<string> _errors;

    /// <summary>The ffmpeg executable used: <c>SPEECHSEP_FFMPEG</c>, else <c>ffmpeg</c> on the PATH.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("SPEECHSEP_FFMPEG") is { Length: > 0 } p ? p : "ffmpeg";

    /// <summary>Whether ffmpeg can be started.</summary>
    public static bool IsAvailable
    {
        get
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo(Executable, ["-version"]) { RedirectStandardOutput = true, RedirectStandardError = true });
                if (p is null) return false;
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                return p.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception) { return false; }
        }
    }

    /// <summary>Starts ffmpeg on <paramref name="path"/>.</summary>
    /// <exception cref="NotSupportedException">ffmpeg is not installed (the message says how to get it).</exception>
    /// <exception cref="InvalidDataException">ffmpeg could not decode the file (its own message).</exception>
    public FfmpegDecoder(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var psi = new ProcessStartInfo(Executable, ["-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "wav", "-acodec", "pcm_f32le", "-"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        try { _process = Process.Start(psi) ?? throw new NotSupportedException("ffmpeg could not be started."); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NotSupportedException($"'{Path.GetFileName(path)}' needs ffmpeg to be read (FLAC, M4A/AAC and other formats), and '{Executable}' was not found: " +
                                            "install it (Debian/Ubuntu: apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or set SPEECHSEP_FFMPEG.", e);
        }
        _errors = _process.StandardError.ReadToEndAsync();
        try { _wav = new WavReader(_process.StandardOutput.BaseStream, leaveOpen: true); }
        catch (InvalidDataException e)
        {
            _process.WaitForExit(10_000);
            var message = _errors.IsCompleted ? _errors.Result.Trim() : "";
            Kill();
            throw new InvalidDataException($"ffmpeg could not decode '{Path.GetFileName(path)}': {(message.Length > 0 ? message : e.Message)}", e);
        }
    }

    /// <inheritdoc />
    public int SampleRate => _wav.Format.SampleRate;

    /// <inheritdoc />
    public int Channels => _wav.Format.Channels;

    /// <inheritdoc />
    public int Read(Span<float> destination)
    {
        int n = _wav.Read(destination[..(destination.Length / Channels * Channels)]) * Channels;   // WavReader counts frames
        if (n == 0)
        {
            _process.WaitForExit(10_000);
            if (_process.HasExited && _process.ExitCode != 0)
                throw new InvalidDataException($"ffmpeg failed while decoding: {_errors.Result.Trim()}");
        }
        return n;
    }

    private void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _wav?.Dispose();
        Kill();
        _process.Dispose();
    }
}
