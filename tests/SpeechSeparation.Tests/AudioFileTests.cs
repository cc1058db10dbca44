using System.Diagnostics;
using SpeechSeparation.Audio;
using SpeechSeparation.Evaluation;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Tests;

/// <summary>
/// Compressed inputs (issue 18 §1): real speech encoded at test time with Debian's ffmpeg, decoded by the library (MP3:
/// NLayer, Ogg Vorbis: NVorbis, Ogg Opus: Concentus and the library's Ogg reader, FLAC/M4A: ffmpeg), compared with the
/// WAV source for rate, channel count, length and content (SNR bound per codec, after the codec's own delay).
/// </summary>
public sealed class AudioFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("speechsep-codecs").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool HaveFfmpeg => FfmpegDecoder.IsAvailable;

    /// <summary>3 s of real speech at 16 kHz (two voices one after another), as a 16-bit WAV.</summary>
    private (string Path, float[] Samples) Source(int channels = 1)
    {
        var a = RealSpeech.Voice(RealSpeech.EnglishFemale, 1.5, seed: 1);
        var b = RealSpeech.Voice(RealSpeech.ItalianMale, 1.5, seed: 2);
        var at8k = a.Concat(b).ToArray();
        var mono = Resampler.Create(8000, 16000).Process(at8k);
        var planar = channels == 1 ? mono : mono.Concat(mono.Select(v => 0.5f * v)).ToArray();
        var buffer = new AudioBuffer(planar, channels, 16000);
        var path = Path.Combine(_dir, $"src{channels}.wav");
        Wav.Write(path, buffer);
        return (path, Wav.Read(path).Channel(0).ToArray());
    }

    private string Encode(string wav, string name, params string[] codec)
    {
        var target = Path.Combine(_dir, name);
        var psi = new ProcessStartInfo("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", wav, .. codec, target]) { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        return target;
    }

    /// <summary>The best SNR over small shifts of the decoded signal against the source (codecs add a delay).</summary>
    private static (double Snr, int Shift) AlignedSnr(float[] source, float[] decoded, int maxShift)
    {
        double best = double.NegativeInfinity;
        int bestShift = 0;
        for (int shift = -maxShift; shift <= maxShift; shift++)
        {
            int from = Math.Max(0, shift), n = Math.Min(source.Length, decoded.Length - shift) - from - 2000;
            if (n <= 0) continue;
            // Decoded sample t − shift is compared with source sample t.
            var est = new float[n];
            for (int i = 0; i < n; i++)
            {
                int j = from + 1000 + i - shift;
                est[i] = j >= 0 && j < decoded.Length ? decoded[j] : 0;
            }
            double snr = SignalToNoiseRatio.Compute(source.AsSpan(from + 1000, n), est);
            if (snr > best) (best, bestShift) = (snr, shift);
        }
        return (best, bestShift);
    }

    [Theory]
    [InlineData("mp3", AudioContainer.Mp3, 15.0, new[] { "-c:a", "libmp3lame", "-b:a", "96k" })]
    [InlineData("ogg", AudioContainer.OggVorbis, 15.0, new[] { "-c:a", "libvorbis", "-q:a", "5" })]
    [InlineData("opus", AudioContainer.OggOpus, 12.0, new[] { "-c:a", "libopus", "-b:a", "48k" })]
    [InlineData("flac", AudioContainer.Other, 90.0, new[] { "-c:a", "flac" })]
    [InlineData("m4a", AudioContainer.Other, 12.0, new[] { "-c:a", "aac", "-b:a", "96k" })]
    public void EncodedSpeechDecodesToTheSourceWithinTheCodecsBound(string extension, AudioContainer container, double minSnr, string[] codec)
    {
        Assert.True(HaveFfmpeg, "ffmpeg is needed to encode the test files (build.sh test installs it) (build.sh test installs ffmpeg)");
        var (wav, source) = Source();
        var encoded = Encode(wav, "speech." + extension, codec);
        Assert.Equal(container, AudioFile.Detect(encoded));
        var decoded = AudioFile.Read(encoded);
        int expectedRate = container == AudioContainer.OggOpus ? 48000 : 16000;     // Opus always decodes at 48 kHz
        Assert.Equal(expectedRate, decoded.SampleRate);
        Assert.Equal(1, decoded.Channels);
        var mono = decoded.Channel(0).ToArray();
        if (expectedRate != 16000) mono = Resampler.Create(expectedRate, 16000).Process(mono);
        // Length: the source's, within the codec's framing (MP3 frames of 1152 samples carry encoder delay and padding).
        int slack = container == AudioContainer.Mp3 ? 2 * 1152 + 1105 : container == AudioContainer.Other && extension == "m4a" ? 2048 : 2;
        Assert.True(Math.Abs(mono.Length - source.Length) <= slack, $"{extension}: {mono.Length} samples decoded for {source.Length}");
        var (snr, shift) = AlignedSnr(source, mono, container == AudioContainer.Mp3 ? 2400 : 1100);
        Assert.True(snr >= minSnr, $"{extension}: SNR {snr:F1} dB (shift {shift}) below {minSnr} dB");
    }

    [Fact]
    public void StereoOpusKeepsBothChannels()
    {
        Assert.True(HaveFfmpeg, "ffmpeg is needed to encode the test files (build.sh test installs ffmpeg)");
        var (wav, _) = Source(channels: 2);
        var decoded = AudioFile.Read(Encode(wav, "stereo.opus", "-c:a", "libopus", "-b:a", "64k"));
        Assert.Equal(2, decoded.Channels);
        double ratio = Level.Rms(decoded.Channel(1)) / Level.Rms(decoded.Channel(0));
        Assert.Equal(0.5, ratio, 1);
    }

    [Fact]
    public void SeparateFileTakesAnMp3AndWritesWavStemsOfItsLength()
    {
        Assert.True(HaveFfmpeg, "ffmpeg is needed to encode the test file (build.sh test installs ffmpeg)");
        var (wav, _) = Source();
        var mp3 = Encode(wav, "mix.mp3", "-c:a", "libmp3lame", "-b:a", "96k");
        var decoded = AudioFile.Read(mp3);
        using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.25f, 0.75f));
        var outs = sep.SeparateFile(mp3, Path.Combine(_dir, "out"));
        Assert.Equal(["mix_speaker1.wav", "mix_speaker2.wav"], outs.Select(Path.GetFileName));
        foreach (var o in outs)
        {
            var stem = Wav.Read(o);
            Assert.Equal((16000, decoded.Frames), (stem.SampleRate, stem.Frames));
        }
        Assert.Equal(3.0, Level.Rms(Wav.Read(outs[1]).Channel(0)) / Level.Rms(Wav.Read(outs[0]).Channel(0)), 2);
    }

    [Fact]
    public void DamagedOrForeignFilesGetClearErrors()
    {
        var (wav, _) = Source();
        var bytes = File.ReadAllBytes(wav);
        // An Ogg Opus file cut in its first page, an MP3 header followed by garbage, and text named .mp3.
        var cutOgg = Path.Combine(_dir, "cut.opus");
        File.WriteAllBytes(cutOgg, [.. "OggS"u8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 19, .. "OpusHe"u8]);
        var e = Assert.Throws<InvalidDataException>(() => AudioFile.Read(cutOgg));
        Assert.Contains("cut.opus", e.Message);
        var text = Path.Combine(_dir, "notes.mp3");
        File.WriteAllText(text, "these are meeting notes, not audio");
        Assert.Throws<InvalidDataException>(() => AudioFile.Read(text));
        var missing = Path.Combine(_dir, "missing.ogg");
        Assert.Throws<FileNotFoundException>(() => AudioFile.Read(missing));
        // WAV goes through the pure C# reader whatever the extension.
        var renamed = Path.Combine(_dir, "actually-wav.mp3");
        File.WriteAllBytes(renamed, bytes);
        Assert.Equal(AudioContainer.Wav, AudioFile.Detect(renamed));
        Assert.Equal(Wav.Read(wav).Frames, AudioFile.Read(renamed).Frames);
    }

    [Fact]
    public void MissingFfmpegIsNamedInTheError()
    {
        var flacLike = Path.Combine(_dir, "x.flac");
        File.WriteAllBytes(flacLike, [.. "fLaC"u8, 0, 0, 0, 34]);
        var previous = Environment.GetEnvironmentVariable("SPEECHSEP_FFMPEG");
        try
        {
            Environment.SetEnvironmentVariable("SPEECHSEP_FFMPEG", "/nonexistent/ffmpeg-for-test");
            var e = Assert.Throws<NotSupportedException>(() => AudioFile.Read(flacLike));
            Assert.Contains("ffmpeg", e.Message);
            Assert.Contains("x.flac", e.Message);
        }
        finally { Environment.SetEnvironmentVariable("SPEECHSEP_FFMPEG", previous); }
    }
}
