using SpeechSeparation.Signal;

namespace SpeechSeparation.Training.Data;

/// <summary>
/// MIR-1K (Hsu &amp; Jang 2010): stereo WAVs (16 kHz upstream) whose left channel is the accompaniment and right channel
/// the singing voice; the mixture is their sum (left + right). Sources are ordered accompaniment, vocals (as
/// <c>HourglassNetwork</c> names its stems). Every channel is resampled to the data set's rate (8 kHz for the stacked
/// hourglass). Examples are random fixed-length segments (zero-padded when a clip is shorter) or whole clips when
/// <c>segmentLength</c> is null.
/// </summary>
public sealed class Mir1kDataset : IExampleSource
{
    private readonly string[] _files;
    private readonly int? _segment;

    /// <summary>Source names in example order.</summary>
    public static IReadOnlyList<string> SourceNames { get; } = ["accompaniment", "vocals"];

    /// <summary>Indexes the WAV files below <paramref name="folder"/> (e.g. MIR-1K's <c>Wavfile</c>), sorted by path.</summary>
    /// <param name="folder">Folder of MIR-1K stereo WAVs (searched recursively).</param>
    /// <param name="sampleRate">Rate of the examples; files at another rate are resampled.</param>
    /// <param name="segmentLength">Samples per example at <paramref name="sampleRate"/>, or null for whole clips.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no WAV file.</exception>
    public Mir1kDataset(string folder, int sampleRate = 8000, int? segmentLength = null)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive.");
        if (segmentLength is <= 0) throw new ArgumentOutOfRangeException(nameof(segmentLength), segmentLength, "The segment length must be positive.");
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Missing MIR-1K folder '{folder}' (expected the stereo WAVs, e.g. MIR-1K/Wavfile).");
        _files = AudioFiles.List(folder);
        if (_files.Length == 0) throw new InvalidDataException($"'{folder}' holds no WAV file.");
        SampleRate = sampleRate;
        _segment = segmentLength;
    }

    /// <summary>The clips, sorted (ordinal).</summary>
    public IReadOnlyList<string> Files => _files;

    /// <inheritdoc />
    public int Count => _files.Length;
    /// <inheritdoc />
    public int SampleRate { get; }
    /// <inheritdoc />
    public int NumSources => 2;

    /// <summary>Reads one clip at the data set's rate: mixture (left + right), accompaniment (left), vocals (right).</summary>
    /// <exception cref="InvalidDataException">The file is not stereo.</exception>
    public (float[] Mixture, float[] Accompaniment, float[] Vocals) ReadClip(int index)
    {
        var path = _files[index];
        var audio = Audio.AudioFile.Read(path);
        if (audio.Channels != 2)
            throw new InvalidDataException($"'{path}' has {audio.Channels} channel(s); MIR-1K clips are stereo (left = accompaniment, right = vocals).");
        var acc = audio.Channel(0).ToArray();
        var voc = audio.Channel(1).ToArray();
        if (audio.SampleRate != SampleRate)
        {
            acc = Resampler.Create(audio.SampleRate, SampleRate).Process(acc);
            voc = Resampler.Create(audio.SampleRate, SampleRate).Process(voc);
        }
        var mix = new float[acc.Length];
        for (int i = 0; i < mix.Length; i++) mix[i] = acc[i] + voc[i];
        return (mix, acc, voc);
    }

    /// <inheritdoc />
    public SeparationExample Get(int index, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var (mix, acc, voc) = ReadClip(index);
        if (_segment is not { } len) return new SeparationExample(mix, [acc, voc], SampleRate, _files[index]);
        var m = AudioFiles.Segment(mix, len, rng, out int start);
        float[] Cut(float[] s)
        {
            var r = new float[len];
            Array.Copy(s, start, r, 0, Math.Min(len, s.Length - start));
            return r;
        }
        return new SeparationExample(m, [Cut(acc), Cut(voc)], SampleRate, $"{_files[index]}@{start}");
    }
}
