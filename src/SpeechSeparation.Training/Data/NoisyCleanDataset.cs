namespace SpeechSeparation.Training.Data;

/// <summary>
/// Enhancement data: DNS-style pairs (<c>noisy/</c> and <c>clean/</c> with the same file names), or clean speech and
/// noise folders mixed on the fly at a random SNR. The single target is the clean speech.
/// </summary>
public sealed class NoisyCleanDataset : IExampleSource
{
    private readonly string[] _clean;
    private readonly string[]? _noisy;
    private readonly string[]? _noise;
    private readonly (double Min, double Max) _snr;
    private readonly int? _segment;

    private NoisyCleanDataset(string[] clean, string[]? noisy, string[]? noise, int sampleRate, int? segment, (double, double) snr)
    {
        (_clean, _noisy, _noise, SampleRate, _segment, _snr) = (clean, noisy, noise, sampleRate, segment, snr);
    }

    /// <summary>Pairs <c>root/noisy/X.wav</c> with <c>root/clean/X.wav</c>.</summary>
    public static NoisyCleanDataset FromPairs(string root, int sampleRate, int? segmentLength = null)
    {
        var noisy = AudioFiles.List(Path.Combine(root, "noisy"), recursive: false);
        var clean = noisy.Select(p => Path.Combine(root, "clean", Path.GetFileName(p))).ToArray();
        var missing = clean.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0) throw new FileNotFoundException($"{missing.Count} clean file(s) are missing, e.g. {string.Join(", ", missing.Take(5))}.");
        if (noisy.Length == 0) throw new InvalidDataException($"'{root}/noisy' holds no WAV file.");
        return new NoisyCleanDataset(clean, noisy, null, sampleRate, segmentLength, (0, 0));
    }

    /// <summary>Mixes every clean file with a random noise file at an SNR drawn from <paramref name="snrDb"/>.</summary>
    public static NoisyCleanDataset FromCleanAndNoise(string cleanFolder, string noiseFolder, int sampleRate, int segmentLength, (double Min, double Max) snrDb)
    {
        var clean = AudioFiles.List(cleanFolder);
        var noise = AudioFiles.List(noiseFolder);
        if (clean.Length == 0 || noise.Length == 0) throw new InvalidDataException("Clean and noise folders must both hold WAV files.");
        return new NoisyCleanDataset(clean, null, noise, sampleRate, segmentLength, snrDb);
    }

    /// <inheritdoc />
    public int Count => _clean.Length;
    /// <inheritdoc />
    public int SampleRate { get; }
    /// <inheritdoc />
    public int NumSources => 1;

    /// <inheritdoc />
    public SeparationExample Get(int index, Random rng)
    {
        var clean = AudioFiles.ReadMono(_clean[index], SampleRate, resample: _noisy is null);
        if (_noisy is not null)
        {
            var noisy = AudioFiles.ReadMono(_noisy[index], SampleRate, resample: false);
            if (noisy.Length != clean.Length) throw new InvalidDataException($"'{_noisy[index]}' and '{_clean[index]}' differ in length.");
            if (_segment is not { } len) return new SeparationExample(noisy, [clean], SampleRate, _noisy[index]);
            var n = AudioFiles.Segment(noisy, len, rng, out int start);
            var c = new float[len];
            Array.Copy(clean, start, c, 0, Math.Min(len, clean.Length - start));
            return new SeparationExample(n, [c], SampleRate, $"{_noisy[index]}@{start}");
        }
        int length = _segment!.Value;
        var speech = AudioFiles.Segment(clean, length, rng, out int s0);
        var noiseFile = _noise![rng.Next(_noise.Length)];
        var noise = AudioFiles.Segment(AudioFiles.ReadMono(noiseFile, SampleRate), length, rng, out _);
        double snr = _snr.Min + rng.NextDouble() * (_snr.Max - _snr.Min);
        var mix = Signal.Mixer.MixAtSnr(speech, noise, snr);
        return new SeparationExample(mix, [speech], SampleRate, $"{_clean[index]}@{s0} + {Path.GetFileName(noiseFile)} @ {snr:F1} dB");
    }
}
