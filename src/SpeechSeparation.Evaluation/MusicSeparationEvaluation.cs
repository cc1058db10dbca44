using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation;

/// <summary>Per-clip and global (length-weighted) NSDR results of a MIR-1K evaluation.</summary>
/// <param name="Clips">Every clip's file and NSDR values, in file order.</param>
/// <param name="Global">GNSDR/GSIR/GSAR per source, order [accompaniment, vocals].</param>
public sealed record MusicSeparationResults(IReadOnlyList<(string Path, NsdrClip Clip)> Clips, GlobalNsdr Global);

/// <summary>
/// MIR-1K singing-voice evaluation as the stacked-hourglass upstream runs it (specs/metrics.md §4): each stereo clip
/// (left = accompaniment, right = vocals) is down-mixed to <c>(left + right) / 2</c> at the file rate and given to the
/// estimator, whose outputs (order accompaniment, vocals; at the mixture's rate) are scored with
/// <see cref="NormalizedSdr"/> against the two channels, references cropped to the estimates' length; the global
/// values are the length-weighted means (<see cref="GlobalNsdr"/>).
/// </summary>
public static class MusicSeparationEvaluation
{
    /// <summary>Evaluates <paramref name="estimator"/> on every WAV below <paramref name="folder"/> (sorted by path).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No WAV file, a clip that is not stereo, or an estimator that does not return two sources at the mixture's rate.</exception>
    public static MusicSeparationResults EvaluateMir1k(string folder, ISourceEstimator estimator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Missing MIR-1K folder '{folder}'.");
        var files = Directory.EnumerateFiles(folder, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new InvalidDataException($"'{folder}' holds no WAV file.");
        var clips = new List<(string, NsdrClip)>();
        var global = new GlobalNsdr();
        foreach (var path in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clip = EvaluateClip(path, estimator, cancellationToken);
            clips.Add((path, clip));
            global.Add(clip);
        }
        return new MusicSeparationResults(clips, global);
    }

    /// <summary>Evaluates one MIR-1K stereo clip.</summary>
    public static NsdrClip EvaluateClip(string path, ISourceEstimator estimator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        var audio = Audio.AudioFile.Read(path);
        if (audio.Channels != 2)
            throw new InvalidDataException($"'{path}' has {audio.Channels} channel(s); MIR-1K clips are stereo (left = accompaniment, right = vocals).");
        int t = audio.Frames;
        var refs = new float[2 * t];
        audio.Channel(0).CopyTo(refs.AsSpan(0, t));
        audio.Channel(1).CopyTo(refs.AsSpan(t, t));
        var mix = new float[t];
        for (int i = 0; i < t; i++) mix[i] = 0.5f * (refs[i] + refs[t + i]);
        var est = estimator.Estimate(AudioBuffer.FromMono(mix, audio.SampleRate), cancellationToken);
        if (est.Count != 2)
            throw new InvalidDataException($"MIR-1K evaluation needs two estimates (accompaniment, vocals); the estimator returned {est.Count} for '{path}'.");
        if (est.Any(e => e.SampleRate != audio.SampleRate))
            throw new InvalidDataException($"The estimates of '{path}' are not at the mixture's rate {audio.SampleRate} Hz.");
        int l = Math.Min(t, est.Min(e => e.Frames));
        var estimates = new float[2 * l];
        for (int j = 0; j < 2; j++)
        {
            var e = est[j].Channels == 1 ? est[j] : est[j].ToMono();
            e.Channel(0)[..l].CopyTo(estimates.AsSpan(j * l, l));
        }
        return NormalizedSdr.Evaluate(refs, mix, estimates, 2);
    }
}
