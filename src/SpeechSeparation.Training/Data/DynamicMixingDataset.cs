namespace SpeechSeparation.Training.Data;

/// <summary>
/// Dynamic mixing (as MossFormer's recipe does): every example draws <c>numSources</c> different speakers, one utterance
/// each, a random fixed-length segment of each, random levels within a dB range, and sums them. Speakers are folders
/// of WAV files (one folder per speaker). Deterministic given the index's random generator.
/// </summary>
public sealed class DynamicMixingDataset : IExampleSource
{
    private readonly string[][] _speakers;
    private readonly string[] _names;
    private readonly int _length;
    private readonly (double Min, double Max) _gainDb;
    private readonly Func<string, float[]> _load;
    private readonly (double Min, double Max)? _speed;
    private readonly MixtureAugmentation? _augment;

    /// <param name="speakerFolders">One folder of WAV files per speaker (at least <paramref name="numSources"/>).</param>
    /// <param name="sampleRate">Rate of the examples (files at other rates are resampled).</param>
    /// <param name="segmentLength">Samples per example.</param>
    /// <param name="numSources">Speakers per mixture.</param>
    /// <param name="examplesPerEpoch">How many examples an epoch holds.</param>
    /// <param name="gainDb">Range of each source's level relative to its RMS-normalised level.</param>
    /// <param name="cacheAudio">Keep decoded files in memory (fine for small corpora).</param>
    /// <param name="speedPerturb">Optional range of speed factors (e.g. 0.85–1.15): each source is played faster or slower
    /// by a random factor (pitch and formants move with it), which multiplies the apparent number of speakers.</param>
    /// <param name="augmentation">Optional band-limiting, noise and level augmentation (see <see cref="MixtureAugmentation"/>).</param>
    public DynamicMixingDataset(IReadOnlyList<string> speakerFolders, int sampleRate, int segmentLength, int numSources = 2,
        int examplesPerEpoch = 1000, (double Min, double Max)? gainDb = null, bool cacheAudio = true, (double Min, double Max)? speedPerturb = null,
        MixtureAugmentation? augmentation = null)
    {
        _augment = augmentation;
        if (speedPerturb is { } sp && (sp.Min <= 0 || sp.Max < sp.Min))
            throw new ArgumentOutOfRangeException(nameof(speedPerturb), $"Speed factors must be positive with min ≤ max; got {sp.Min}–{sp.Max}.");
        _speed = speedPerturb;
        if (speakerFolders.Count < numSources)
            throw new ArgumentException($"Dynamic mixing of {numSources} sources needs at least {numSources} speakers; {speakerFolders.Count} given.");
        _names = [.. speakerFolders];
        _speakers = speakerFolders.Select(f => AudioFiles.List(f)).ToArray();
        var empty = _names.Where((n, i) => _speakers[i].Length == 0).ToList();
        if (empty.Count > 0) throw new InvalidDataException($"Speaker folder(s) without WAV files: {string.Join(", ", empty)}.");
        SampleRate = sampleRate;
        NumSources = numSources;
        Count = examplesPerEpoch;
        _length = segmentLength;
        _gainDb = gainDb ?? (-2.5, 2.5);
        var cache = new System.Collections.Concurrent.ConcurrentDictionary<string, float[]>();
        _load = cacheAudio ? p => cache.GetOrAdd(p, q => Normalise(AudioFiles.ReadMono(q, sampleRate))) : p => Normalise(AudioFiles.ReadMono(p, sampleRate));
    }

    /// <inheritdoc />
    public int Count { get; }
    /// <inheritdoc />
    public int SampleRate { get; }
    /// <inheritdoc />
    public int NumSources { get; }

    private static float[] Normalise(float[] x)
    {
        double rms = Math.Sqrt(x.Sum(v => (double)v * v) / Math.Max(1, x.Length));
        if (rms < 1e-8) return x;
        var g = (float)(0.05 / rms);                       // -26 dBFS
        return x.Select(v => v * g).ToArray();
    }

    /// <summary>
    /// <paramref name="length"/> samples of <paramref name="x"/> played <paramref name="factor"/> times faster (linear
    /// interpolation at positions <c>i·factor</c>).
    /// </summary>
    public static float[] ChangeSpeed(float[] x, double factor, int length)
    {
        var y = new float[length];
        for (int i = 0; i < length; i++)
        {
            double p = i * factor;
            int k = (int)p;
            if (k + 1 >= x.Length) { if (k < x.Length) y[i] = x[k]; continue; }
            double f = p - k;
            y[i] = (float)(x[k] * (1 - f) + x[k + 1] * f);
        }
        return y;
    }

    /// <inheritdoc />
    public SeparationExample Get(int index, Random rng)
    {
        var chosen = Enumerable.Range(0, _speakers.Length).OrderBy(_ => rng.Next()).Take(NumSources).ToArray();
        var sources = new float[NumSources][];
        var mix = new float[_length];
        var ids = new List<string>();
        for (int s = 0; s < NumSources; s++)
        {
            var files = _speakers[chosen[s]];
            var file = files[rng.Next(files.Length)];
            float[] seg;
            int start;
            if (_speed is { } sp)
            {
                double factor = sp.Min + rng.NextDouble() * (sp.Max - sp.Min);
                var raw = AudioFiles.Segment(_load(file), (int)Math.Ceiling(_length * factor) + 1, rng, out start);
                seg = ChangeSpeed(raw, factor, _length);
            }
            else seg = AudioFiles.Segment(_load(file), _length, rng, out start);
            _augment?.ApplyToSource(seg, SampleRate, rng);
            double db = _gainDb.Min + rng.NextDouble() * (_gainDb.Max - _gainDb.Min);
            float g = (float)Math.Pow(10, db / 20);
            for (int i = 0; i < _length; i++) { seg[i] *= g; mix[i] += seg[i]; }
            sources[s] = seg;
            ids.Add($"{Path.GetFileName(_names[chosen[s]])}/{Path.GetFileName(file)}@{start}");
        }
        _augment?.ApplyToExample(mix, sources, rng);
        return new SeparationExample(mix, sources, SampleRate, string.Join(" + ", ids));
    }
}
