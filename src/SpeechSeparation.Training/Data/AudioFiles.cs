using SpeechSeparation.Signal;

namespace SpeechSeparation.Training.Data;

/// <summary>Reading mono audio for data sets, with the checks training needs (rate, length) and clear messages.</summary>
public static class AudioFiles
{
    /// <summary>Reads an audio file (WAV, MP3, Ogg; FLAC and others through ffmpeg) as mono at <paramref name="sampleRate"/>
    /// (resampled when <paramref name="resample"/>, else an error).</summary>
    public static float[] ReadMono(string path, int sampleRate, bool resample = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Missing audio file '{path}'.", path);
        var audio = Audio.AudioFile.Read(path);
        var mono = audio.Channels == 1 ? audio.Channel(0).ToArray() : audio.ToMono().Channel(0).ToArray();
        if (audio.SampleRate == sampleRate) return mono;
        if (!resample) throw new InvalidDataException($"'{path}' is {audio.SampleRate} Hz; the data set is {sampleRate} Hz.");
        return Resampler.Create(audio.SampleRate, sampleRate).Process(mono);
    }

    /// <summary>A random segment of <paramref name="length"/> samples (zero-padded at the end when the signal is shorter).</summary>
    public static float[] Segment(float[] x, int length, Random rng, out int start)
    {
        start = x.Length > length ? rng.Next(x.Length - length + 1) : 0;
        var r = new float[length];
        Array.Copy(x, start, r, 0, Math.Min(length, x.Length - start));
        return r;
    }

    /// <summary>The audio files below a folder (<see cref="Audio.AudioFile.Extensions"/>), sorted (ordinal) for determinism.</summary>
    public static string[] List(string folder, bool recursive = true)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Missing data folder '{folder}'.");
        return Directory.EnumerateFiles(folder, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(Audio.AudioFile.HasAudioExtension).Order(StringComparer.Ordinal).ToArray();
    }
}
