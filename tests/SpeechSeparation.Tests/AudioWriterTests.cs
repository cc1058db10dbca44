using System.Security.Cryptography;
using SpeechSeparation.Audio;
using SpeechSeparation.Evaluation;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Tests;

/// <summary>
/// FLAC and MP3 output (issue 18 §1): real speech is encoded by the library through ffmpeg at test time and decoded back
/// with <see cref="AudioFile.Read"/> (FLAC: ffmpeg's decoder; MP3: NLayer), then compared with the WAV the library writes
/// from the same samples. FLAC is lossless, so it must equal the 16/24-bit WAV sample for sample; MP3 is bounded by SNR
/// after the codec's delay and by length within its framing.
/// </summary>
public sealed class AudioWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("speechsep-writer").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // MP3 bound. libmp3lame at VBR quality 2 (what the library uses) is perceptual: it keeps what is audible, not the
    // waveform. Measured here (LAME 3.100, Debian 12's ffmpeg 5.1, NLayer decoding), aligned at the encoder delay of
    // 1105 samples (576 + 529, not removed by NLayer): 47 dB on 16 kHz speech, 39 and 46 dB on the 16 kHz stems of the
    // separator test. 30 dB leaves ≥ 9 dB for other LAME builds, yet fails for a wrong rate, a garbled or silent output,
    // a lost delay alignment or an extra gain of ±0.3 dB (a 3.5 % level error alone caps SNR at 29 dB). Length: NLayer
    // ignores LAME's gapless header, so the decode is longer by the delay plus padding to whole 1152-sample frames.
    private const double Mp3MinSnr = 30.0;
    private const int Mp3LengthSlack = 2 * 1152 + 1105;

    /// <summary>3 s of real speech at 16 kHz (two voices one after the other).</summary>
    private static AudioBuffer Speech()
    {
        var a = RealSpeech.Voice(RealSpeech.EnglishFemale, 1.5, seed: 3);
        var b = RealSpeech.Voice(RealSpeech.ItalianMale, 1.5, seed: 4);
        return AudioBuffer.FromMono(Resampler.Create(8000, 16000).Process(a.Concat(b).ToArray()), 16000);
    }

    private static void RequireFfmpeg() =>
        Assert.True(FfmpegDecoder.IsAvailable, "ffmpeg is needed to encode FLAC/MP3 (build.sh test installs it)");

    /// <summary>The best SNR of the decoded signal against the source over shifts up to <paramref name="maxShift"/>.</summary>
    internal static (double Snr, int Shift) AlignedSnr(float[] source, float[] decoded, int maxShift)
    {
        double best = double.NegativeInfinity;
        int bestShift = 0;
        for (int shift = 0; shift <= maxShift; shift++)
        {
            int n = Math.Min(source.Length, decoded.Length - shift) - 200;
            if (n <= 0) continue;
            double snr = SignalToNoiseRatio.Compute(source.AsSpan(100, n), decoded.AsSpan(100 + shift, n));
            if (snr > best) (best, bestShift) = (snr, shift);
        }
        return (best, bestShift);
    }

    [Theory]
    [InlineData(WavSampleFormat.Pcm16, 16)]
    [InlineData(WavSampleFormat.Pcm24, 24)]
    [InlineData(WavSampleFormat.Float32, 24)]      // FLAC stores integers: float output is written with 24 bits
    public void FlacDecodesToExactlyTheWavOfItsBitDepth(WavSampleFormat sampleFormat, int bits)
    {
        RequireFfmpeg();
        var speech = Speech();
        var flac = Path.Combine(_dir, "speech.flac");
        AudioWriter.Write(flac, speech, AudioFileFormat.Flac, sampleFormat);
        Assert.Equal(AudioContainer.Other, AudioFile.Detect(flac));
        Assert.Equal("fLaC"u8.ToArray(), File.ReadAllBytes(flac)[..4]);
        var decoded = AudioFile.Read(flac);
        Assert.Equal((16000, 1, speech.Frames), (decoded.SampleRate, decoded.Channels, decoded.Frames));

        // The independent reference: the managed WAV writer's quantisation to the same bit depth.
        var wav = Path.Combine(_dir, "speech.wav");
        Wav.Write(wav, speech, bits == 16 ? WavSampleFormat.Pcm16 : WavSampleFormat.Pcm24);
        var expected = Wav.Read(wav).Channel(0).ToArray();
        var got = decoded.Channel(0).ToArray();
        Assert.Equal(expected, got);
        // And the error against the float source is below one quantisation step (the WAV writer rounds to 32 bits, as
        // libsndfile, and keeps the top 16/24: at most one step), while the signal itself is far larger.
        double step = 1.0 / (1 << (bits - 1));
        var source = speech.Channel(0);
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - source[i]) <= step + 1e-9, $"sample {i}: {got[i]} vs {source[i]}");
        Assert.True(Level.Peak(source) > 1000 * step);
        // A FLAC is much smaller than the WAV of the same samples (lossless compression of speech).
        Assert.True(new FileInfo(flac).Length < new FileInfo(wav).Length, "FLAC not smaller than WAV");
    }

    [Fact]
    public void Mp3DecodesToTheWavWithinTheCodecsBound()
    {
        RequireFfmpeg();
        var speech = Speech();
        var mp3 = Path.Combine(_dir, "speech.mp3");
        AudioWriter.Write(mp3, speech, AudioFileFormat.Mp3);
        Assert.Equal(AudioContainer.Mp3, AudioFile.Detect(mp3));
        var decoded = AudioFile.Read(mp3);
        Assert.Equal((16000, 1), (decoded.SampleRate, decoded.Channels));
        Assert.InRange(decoded.Frames, speech.Frames, speech.Frames + Mp3LengthSlack);
        var (snr, shift) = AlignedSnr(speech.Channel(0).ToArray(), decoded.Channel(0).ToArray(), Mp3LengthSlack);
        Assert.True(snr >= Mp3MinSnr, $"MP3 SNR {snr:F1} dB (shift {shift}) below {Mp3MinSnr} dB");
        // A wrong signal is far below the bound (the check can fail): the source against a time-reversed decode.
        var reversed = decoded.Channel(0).ToArray().Reverse().ToArray();
        Assert.True(AlignedSnr(speech.Channel(0).ToArray(), reversed, 50).Snr < 3);
    }

    [Fact]
    public void MissingFfmpegIsNamedAndNothingIsWritten()
    {
        var target = Path.Combine(_dir, "out.flac");
        const string missing = "/nonexistent/ffmpeg-for-test";
        var e = Assert.Throws<NotSupportedException>(() => AudioWriter.Write(target, Speech(), AudioFileFormat.Flac, ffmpegPath: missing));
        Assert.Contains("FLAC needs ffmpeg", e.Message);
        Assert.Contains(missing, e.Message);
        Assert.Contains("apt install ffmpeg", e.Message);
        Assert.Throws<NotSupportedException>(() => AudioWriter.RequireEncoder(AudioFileFormat.Mp3, missing));
        AudioWriter.RequireEncoder(AudioFileFormat.Wav, missing);          // WAV needs no encoder
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void AFailingEncoderLeavesNoPartialOutputAndTheSourceIsUntouched()
    {
        // /bin/false starts, reads nothing and exits 1: the pipe breaks and the write fails as an encoder failure.
        var source = Path.Combine(_dir, "source.wav");
        Wav.Write(source, Speech());
        var before = SHA256.HashData(File.ReadAllBytes(source));
        var target = Path.Combine(_dir, "out.mp3");
        Assert.Throws<IOException>(() => AudioWriter.EncodeWavFile(source, target, AudioFileFormat.Mp3, ffmpegPath: "/bin/false"));
        Assert.Equal(["source.wav"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName));
        // An existing target is kept without overwrite; the source can never be its own target.
        File.WriteAllText(target, "keep me");
        Assert.Throws<IOException>(() => AudioWriter.EncodeWavFile(source, target, AudioFileFormat.Flac, overwrite: false));
        Assert.Equal("keep me", File.ReadAllText(target));
        Assert.Throws<IOException>(() => AudioWriter.EncodeWavFile(source, source, AudioFileFormat.Wav));
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(source)));
    }

    [Fact]
    public void CancellationStopsTheEncoderAndLeavesNothing()
    {
        RequireFfmpeg();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => AudioWriter.Write(Path.Combine(_dir, "x.flac"), Speech(), AudioFileFormat.Flac, cancellationToken: cts.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void FormatNamesAndExtensions()
    {
        Assert.Equal(AudioFileFormat.Flac, AudioWriter.ParseFormat("FLAC"));
        Assert.Equal(AudioFileFormat.Mp3, AudioWriter.ParseFormat(".mp3"));
        Assert.Equal(AudioFileFormat.Wav, AudioWriter.ParseFormat("wav"));
        Assert.Throws<ArgumentException>(() => AudioWriter.ParseFormat("ogg"));
        Assert.Equal([".wav", ".flac", ".mp3"], Enum.GetValues<AudioFileFormat>().Select(AudioWriter.Extension));
    }

    [Theory]
    [InlineData(AudioFileFormat.Flac)]
    [InlineData(AudioFileFormat.Mp3)]
    public void SeparateFileWritesEncodedStemsThatMatchTheWavStems(AudioFileFormat format)
    {
        RequireFfmpeg();
        // SplitNetwork's stems are 0.25 and 0.75 of the mixture: WAV stems are the reference, the encoded ones must match.
        var input = Path.Combine(_dir, "mix.wav");
        Wav.Write(input, Speech());
        var before = SHA256.HashData(File.ReadAllBytes(input));
        using var sep = new NetworkSeparator(new SplitNetwork(8000, 0.25f, 0.75f));
        var wavs = sep.SeparateFile(input, Path.Combine(_dir, "wav"));
        var encoded = sep.SeparateFile(input, Path.Combine(_dir, "enc"), new OutputOptions { FileFormat = format });
        string ext = format == AudioFileFormat.Flac ? ".flac" : ".mp3";
        Assert.Equal(["mix_speaker1" + ext, "mix_speaker2" + ext], encoded.Select(Path.GetFileName));
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(input)));
        for (int s = 0; s < 2; s++)
        {
            var reference = Wav.Read(wavs[s]).Channel(0).ToArray();
            var got = AudioFile.Read(encoded[s]);
            Assert.Equal(16000, got.SampleRate);
            if (format == AudioFileFormat.Flac) Assert.Equal(reference, got.Channel(0).ToArray());      // both 16-bit
            else
            {
                Assert.InRange(got.Frames, reference.Length, reference.Length + Mp3LengthSlack);
                var (snr, shift) = AlignedSnr(reference, got.Channel(0).ToArray(), Mp3LengthSlack);
                Assert.True(snr >= Mp3MinSnr, $"stem {s + 1}: MP3 SNR {snr:F1} dB (shift {shift})");
            }
        }
        Assert.Equal(2, Directory.EnumerateFileSystemEntries(Path.Combine(_dir, "enc")).Count());     // no temporary files left
    }
}
