using System.Diagnostics;
using SpeechSeparation.Evaluation;
using SpeechSeparation.Signal;
using SpeechSeparation.Tests;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training.Tests.Data;

/// <summary>Data sets read compressed speech too (issue 18 §1): folders list every audio extension, files decode through
/// SpeechSeparation.Audio and are resampled like WAVs.</summary>
public sealed class CompressedDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("speechsep-data-codecs").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg", ["-nostdin", "-v", "error", "-y", .. args]) { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
    }

    [Fact]
    public void SpeakerFoldersOfMp3AndOggReadAsMonoAtTheDataSetRate()
    {
        var speech = RealSpeech.Voice(RealSpeech.EnglishFemale, 2, seed: 9);                  // 8 kHz
        var wav = Path.Combine(_dir, "a.wav");
        Wav.Write(wav, AudioBuffer.FromMono(Resampler.Create(8000, 16000).Process(speech), 16000));
        Ffmpeg("-i", wav, "-c:a", "libmp3lame", "-b:a", "96k", Path.Combine(_dir, "b.mp3"));
        Ffmpeg("-i", wav, "-c:a", "libvorbis", "-q:a", "5", Path.Combine(_dir, "c.ogg"));
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "not audio");
        Assert.Equal(["a.wav", "b.mp3", "c.ogg"], AudioFiles.List(_dir).Select(Path.GetFileName));
        var reference = AudioFiles.ReadMono(wav, 8000);
        foreach (var name in new[] { "b.mp3", "c.ogg" })
        {
            var x = AudioFiles.ReadMono(Path.Combine(_dir, name), 8000);
            Assert.True(Math.Abs(x.Length - reference.Length) <= 1300, $"{name}: {x.Length} samples for {reference.Length}");
            // Best alignment within the codec delay (MP3 adds about 1105 samples at 16 kHz, ≈ 553 here).
            double best = Enumerable.Range(-700, 1401).Max(shift =>
            {
                int n = reference.Length - 2000;
                var est = new float[n];
                for (int i = 0; i < n; i++) { int j = 1000 + i + shift; est[i] = j >= 0 && j < x.Length ? x[j] : 0; }
                return SignalToNoiseRatio.Compute(reference.AsSpan(1000, n), est);
            });
            Assert.True(best > 12, $"{name}: SNR {best:F1} dB against the WAV");
        }
    }
}
