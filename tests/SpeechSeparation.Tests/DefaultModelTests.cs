using SpeechSeparation.Evaluation;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Tests;

/// <summary>
/// The embedded default model (docs/models/default-mossformer2-8k.md): it loads without a path, is small, and separates
/// mixtures of real voices that were held out of its training (Debian packages asterisk-core-sounds-ru-wav and
/// codec2-examples, installed by ./build.sh test) with a clear SI-SNR improvement.
/// </summary>
public class DefaultModelTests
{
    private const string Russian = "/usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU";
    private const string Codec2 = "/usr/share/codec2/wav";

    /// <summary>
    /// Floor for the SI-SNR improvement on these exact mixtures: the embedded model (v2.2) measured 5.47 dB (held-out
    /// pair) and 6.33 dB (bundled sample); v2.1 gave 4.85 and 5.86 dB, v2 4.19 and 4.57 dB, v1 2.49 and 2.08 dB, the
    /// mixture itself 0 dB. The floor sits 0.77 dB below v2.2, room for other CPUs' rounding, and above v2 and v1, so
    /// the test fails if older weights come back. The model card reports the 60-mixture held-out set.
    /// </summary>
    private const double MinHeldOutSiSnri = 4.7;

    [Fact]
    public void LoadsWithoutAPathAndIsSmall()
    {
        using var separator = Separator.Load();
        Assert.Equal(8000, separator.SampleRate);
        Assert.Equal(["speaker1", "speaker2"], separator.SourceNames);
        using var weights = DefaultModel.OpenWeights();
        Assert.InRange(weights.Length, 100_000, 10 * 1024 * 1024);       // the limit: ≤ 10 MB of weights
        using var byId = Separator.Load(DefaultModel.Id);
        Assert.Equal(2, byId.NumSources);
    }

    [Fact]
    public void ExportedPackageLoadsAndMatchesTheEmbeddedModel()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-default").FullName;
        try
        {
            DefaultModel.Export(dir);
            var x = HeldOutMixture(out _, out _, seconds: 2);
            using var a = Separator.Load();
            using var b = Separator.Load(dir);
            var ra = a.Separate(x, 8000);
            var rb = b.Separate(x, 8000);
            for (int s = 0; s < 2; s++) Assert.Equal(ra.Sources[s].Channel(0).ToArray(), rb.Sources[s].Channel(0).ToArray());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void SeparatesHeldOutVoices()
    {
        var mixture = HeldOutMixture(out var s1, out var s2, seconds: 6);
        using var separator = Separator.Load();
        var result = separator.Separate(mixture, 8000);
        Assert.All(result.Sources, s => Assert.Equal(mixture.Length, s.Frames));
        double siSnri = SiSnri(s1, s2, result, mixture);
        Assert.True(siSnri > MinHeldOutSiSnri, $"SI-SNRi {siSnri:F2} dB on held-out voices (floor {MinHeldOutSiSnri} dB)");
    }

    [Fact]
    public void SeparatesTheBundledSample()
    {
        // samples/make_two_speakers.py: the first 8 s of two held-out voices at -26 dBFS, the second delayed by 0.5 s.
        var path = Path.Combine(TestPaths.RepoRoot, "samples", "two_speakers_8k.wav");
        var mixture = Wav.Read(path);
        Assert.Equal(8000, mixture.SampleRate);
        int n = mixture.Frames, delay = 4000;
        var a = Normalised(Wav.Read(Path.Combine(Russian, "demo-congrats.wav")).Channel(0), n);
        var b = new float[n];
        Normalised(Wav.Read(Path.Combine(Codec2, "david4.wav")).Channel(0), n - delay).CopyTo(b, delay);
        using var separator = Separator.Load();
        var result = separator.Separate(mixture);
        double siSnri = SiSnri(a, b, result, mixture.Channel(0).ToArray());
        Assert.True(siSnri > MinHeldOutSiSnri, $"SI-SNRi {siSnri:F2} dB on the bundled sample (floor {MinHeldOutSiSnri} dB)");
    }

    private static double SiSnri(float[] s1, float[] s2, SeparationResult result, float[] mixture)
    {
        int n = mixture.Length;
        var refs = new float[2 * n];
        var ests = new float[2 * n];
        s1.CopyTo(refs, 0);
        s2.CopyTo(refs, n);
        result.Sources[0].Channel(0).CopyTo(ests.AsSpan(0, n));
        result.Sources[1].Channel(0).CopyTo(ests.AsSpan(n, n));
        return PermutationInvariantSiSnr.Improvement(refs, ests, mixture, 2);
    }

    private static float[] Normalised(ReadOnlySpan<float> x, int n)
    {
        var r = new float[n];
        x[..Math.Min(n, x.Length)].CopyTo(r);
        double rms = Math.Sqrt(r.Sum(v => (double)v * v) / n);
        for (int i = 0; i < n; i++) r[i] = (float)(r[i] * 0.05 / rms);
        return r;
    }

    /// <summary>A 0 dB mixture of a Russian prompt voice and codec2's vk2tpm speaker, both held out of training.</summary>
    private static float[] HeldOutMixture(out float[] s1, out float[] s2, double seconds)
    {
        if (!Directory.Exists(Russian) || !File.Exists(Path.Combine(Codec2, "vk2tpm_004.wav")))
            throw new DirectoryNotFoundException("Install asterisk-core-sounds-ru-wav and codec2-examples (./build.sh test does).");
        int n = (int)(seconds * 8000);
        s1 = Normalised(Wav.Read(Path.Combine(Russian, "vm-options.wav")).Channel(0), n);
        s2 = Normalised(Wav.Read(Path.Combine(Codec2, "vk2tpm_004.wav")).Channel(0)[8000..], n);
        var mix = new float[n];
        for (int i = 0; i < n; i++) mix[i] = s1[i] + s2[i];
        return mix;
    }
}
