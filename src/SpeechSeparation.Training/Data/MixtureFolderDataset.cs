namespace SpeechSeparation.Training.Data;

/// <summary>
/// Pre-mixed data in the LibriMix / WSJ0-2mix layout: <c>root/mix_clean</c> (or <c>mix_both</c>, <c>mix</c>) with the
/// same file names under <c>s1</c>, <c>s2</c>[, <c>s3</c>…]. Examples are random fixed-length segments (the same span of
/// the mixture and of every source), or whole utterances when <c>segmentLength</c> is null.
/// </summary>
public sealed class MixtureFolderDataset : IExampleSource
{
    private readonly string[] _mixtures;
    private readonly string[][] _sources;
    private readonly int? _segment;

    /// <summary>Indexes <paramref name="root"/>; every mixture must have its sources (listed by name when not).</summary>
    public MixtureFolderDataset(string root, int sampleRate, int? segmentLength = null, string mixFolder = "auto")
    {
        string mixDir = mixFolder != "auto" ? Path.Combine(root, mixFolder)
            : new[] { "mix_clean", "mix_both", "mix" }.Select(d => Path.Combine(root, d)).FirstOrDefault(Directory.Exists)
              ?? throw new DirectoryNotFoundException($"'{root}' has no mix_clean/, mix_both/ or mix/ folder.");
        var sourceDirs = Enumerable.Range(1, 9).Select(i => Path.Combine(root, $"s{i}")).TakeWhile(Directory.Exists).ToArray();
        if (sourceDirs.Length == 0) throw new DirectoryNotFoundException($"'{root}' has no s1/ folder.");
        _mixtures = AudioFiles.List(mixDir, recursive: false);
        if (_mixtures.Length == 0) throw new InvalidDataException($"'{mixDir}' holds no WAV file.");
        _sources = new string[_mixtures.Length][];
        var missing = new List<string>();
        for (int i = 0; i < _mixtures.Length; i++)
        {
            var name = Path.GetFileName(_mixtures[i]);
            _sources[i] = sourceDirs.Select(d => Path.Combine(d, name)).ToArray();
            missing.AddRange(_sources[i].Where(p => !File.Exists(p)));
        }
        if (missing.Count > 0)
            throw new FileNotFoundException($"{missing.Count} source file(s) are missing, e.g. {string.Join(", ", missing.Take(5))}.");
        SampleRate = sampleRate;
        _segment = segmentLength;
    }

    /// <inheritdoc />
    public int Count => _mixtures.Length;
    /// <inheritdoc />
    public int SampleRate { get; }
    /// <inheritdoc />
    public int NumSources => _sources[0].Length;

    /// <inheritdoc />
    public SeparationExample Get(int index, Random rng)
    {
        var mix = AudioFiles.ReadMono(_mixtures[index], SampleRate, resample: false);
        var src = _sources[index].Select(p => AudioFiles.ReadMono(p, SampleRate, resample: false)).ToArray();
        foreach (var (s, p) in src.Zip(_sources[index]))
            if (s.Length != mix.Length) throw new InvalidDataException($"'{p}' has {s.Length} samples; its mixture '{_mixtures[index]}' has {mix.Length}.");
        if (_segment is not { } len) return new SeparationExample(mix, src, SampleRate, _mixtures[index]);
        var m = AudioFiles.Segment(mix, len, rng, out int start);
        var segs = src.Select(s =>
        {
            var r = new float[len];
            Array.Copy(s, start, r, 0, Math.Min(len, s.Length - start));
            return r;
        }).ToArray();
        return new SeparationExample(m, segs, SampleRate, $"{_mixtures[index]}@{start}");
    }
}
