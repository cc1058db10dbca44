using SpeechSeparation.Evaluation;
using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;
using Xunit.Abstractions;

namespace SpeechSeparation.Tests;

/// <summary>MIR-1K GNSDR/GSIR/GSAR through <see cref="MusicSeparationEvaluation"/> with estimators whose NSDR is known.</summary>
// Runs alone (in the memory measurements' collection): the hourglass test draws its random model from libtorch's global
// generator after manual_seed, which tests running in parallel would otherwise consume in between (a draw whose masks
// are all zero then gives a silent stem, which BSS Eval refuses).
[Collection(nameof(MemoryMeasurement))]
public sealed class Mir1kEvaluationTests : IDisposable
{
    private const int Rate = 16000;
    private readonly string _dir = Directory.CreateTempSubdirectory("ss-mir1k-eval-").FullName;
    private readonly Dictionary<int, (float[] Acc, float[] Voc)> _stems = [];

    private readonly ITestOutputHelper _output;

    public Mir1kEvaluationTests(ITestOutputHelper output)
    {
        _output = output;
        var rng = new Random(3);
        int[] lengths = [4000, 6000, 8000];
        for (int k = 0; k < lengths.Length; k++)
        {
            int n = lengths[k];
            var planar = new float[2 * n];
            double f1 = 150 + 50 * k, f2 = 500 + 80 * k;
            for (int i = 0; i < n; i++)
            {
                planar[i] = (float)(0.3 * Math.Sin(2 * Math.PI * f1 * i / Rate) + 0.05 * (rng.NextDouble() - 0.5));
                planar[n + i] = (float)(0.2 * Math.Sin(2 * Math.PI * f2 * i / Rate) * (1 + 0.5 * Math.Sin(2 * Math.PI * 3 * i / Rate)) + 0.05 * (rng.NextDouble() - 0.5));
            }
            Wav.Write(Path.Combine(_dir, $"clip_{k}.wav"), new AudioBuffer(planar, 2, Rate), WavSampleFormat.Float32);
            _stems[n] = (planar[..n], planar[n..]);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ISourceEstimator Oracle(bool swap = false) => new DelegateSourceEstimator((mix, _) =>
    {
        var (acc, voc) = _stems[mix.Frames];
        var a = AudioBuffer.FromMono(acc, mix.SampleRate);
        var v = AudioBuffer.FromMono(voc, mix.SampleRate);
        return swap ? [v, a] : [a, v];
    });

    [Fact]
    public void MixtureForBothStemsHasZeroGnsdr()
    {
        var r = MusicSeparationEvaluation.EvaluateMir1k(_dir, new DelegateSourceEstimator((mix, _) => [mix.Clone(), mix.Clone()]));
        Assert.Equal(3, r.Global.Clips);
        Assert.Equal(18000, r.Global.TotalLength);
        Assert.All(r.Global.Gnsdr, g => Assert.Equal(0, g, 6));
    }

    [Fact]
    public void TrueStemsGiveLargeGnsdrInEitherOrderAndGlobalValuesAreLengthWeighted()
    {
        var r = MusicSeparationEvaluation.EvaluateMir1k(_dir, Oracle());
        Assert.All(r.Global.Gnsdr, g => Assert.True(g > 40, $"GNSDR {g:F1} dB"));
        Assert.All(r.Global.Gsir, g => Assert.True(g > 40, $"GSIR {g:F1} dB"));
        for (int j = 0; j < 2; j++)
        {
            double w = r.Clips.Sum(c => c.Clip.Length * c.Clip.Nsdr[j]) / r.Clips.Sum(c => (double)c.Clip.Length);
            Assert.Equal(w, r.Global.Gnsdr[j], 9);
            double sar = r.Clips.Sum(c => c.Clip.Length * c.Clip.Sar[j]) / r.Clips.Sum(c => (double)c.Clip.Length);
            Assert.Equal(sar, r.Global.Gsar[j], 9);
        }
        var swapped = MusicSeparationEvaluation.EvaluateMir1k(_dir, Oracle(swap: true));
        Assert.All(swapped.Global.Gnsdr, g => Assert.True(g > 40, $"GNSDR {g:F1} dB (permutation search)"));
    }

    [Fact]
    public void LinearSeparatorGivesTheFormulaGnsdrAndShortEstimatesAreWeightedByTheirLength()
    {
        // estimate = 0.75·stem + 0.25·other stem (a linear separator), 160 samples shorter than the clip. BSS Eval splits it
        // into target 0.75·s and interference 0.25·o (no artefacts), the mixture into 0.5·s and 0.5·o, so
        // NSDR = 10·log10((0.75/0.25)² / (0.5/0.5)²) = 10·log10 9 ≈ 9.54 dB whatever the stems' energies (up to the part
        // of the noisy stems that the 512-tap projection attributes to the other source).
        var est = new DelegateSourceEstimator((mix, _) =>
        {
            var (acc, voc) = _stems[mix.Frames];
            int l = mix.Frames - 160;
            var a = new float[l];
            var v = new float[l];
            for (int i = 0; i < l; i++)
            {
                a[i] = 0.75f * acc[i] + 0.25f * voc[i];
                v[i] = 0.75f * voc[i] + 0.25f * acc[i];
            }
            return [AudioBuffer.FromMono(a, mix.SampleRate), AudioBuffer.FromMono(v, mix.SampleRate)];
        });
        var r = MusicSeparationEvaluation.EvaluateMir1k(_dir, est);
        Assert.Equal(18000 - 3 * 160, r.Global.TotalLength);
        _output.WriteLine($"GNSDR {string.Join(", ", r.Global.Gnsdr.Select(g => g.ToString("F3")))}; GSIR {string.Join(", ", r.Global.Gsir.Select(g => g.ToString("F3")))}; GSAR {string.Join(", ", r.Global.Gsar.Select(g => g.ToString("F3")))}");
        Assert.All(r.Global.Gnsdr, g => Assert.InRange(g, 10 * Math.Log10(9) - 0.5, 10 * Math.Log10(9) + 0.3));
        Assert.All(r.Global.Gsar, g => Assert.True(g > 60, $"GSAR {g:F1} dB (a linear mix of the references has no artefacts)"));
    }

    [Fact]
    public void HourglassSeparatorRunsThroughTheEvaluatorOnMir1kClips()
    {
        var pkg = Directory.CreateDirectory(Path.Combine(_dir, "..", Path.GetFileName(_dir) + "-pkg")).FullName;
        try
        {
            torch.manual_seed(9);
            var config = new HourglassConfig(2, 2, 2, 8, 0, [4, 8, 8, 8]);
            using (var model = new StackedHourglassNet(config))
                ModelPackage.Save(pkg, HourglassNetwork.Name, 8000, HourglassNetwork.PackageConfig(config), model);
            using var sep = Separator.Load(pkg, new SeparatorOptions { Gain = GainPolicy.None });
            Assert.Equal(["accompaniment", "vocals"], sep.SourceNames);
            var r = MusicSeparationEvaluation.EvaluateMir1k(_dir, sep.AsEstimator());
            Assert.Equal(3, r.Global.Clips);
            Assert.Equal(18000, r.Global.TotalLength);                       // stems come back at 16 kHz, full length
            foreach (var v in r.Global.Gnsdr.Concat(r.Global.Gsir).Concat(r.Global.Gsar)) Assert.True(double.IsFinite(v));
        }
        finally
        {
            Directory.Delete(pkg, recursive: true);
        }
    }

    [Fact]
    public void MonoClipsAndMissingFoldersAreClearErrors()
    {
        Assert.Throws<DirectoryNotFoundException>(() => MusicSeparationEvaluation.EvaluateMir1k(Path.Combine(_dir, "nope"), Oracle()));
        var mono = Directory.CreateDirectory(Path.Combine(_dir, "mono")).FullName;
        Wav.Write(Path.Combine(mono, "m.wav"), AudioBuffer.FromMono(new float[1600], Rate), WavSampleFormat.Float32);
        var e = Assert.Throws<InvalidDataException>(() => MusicSeparationEvaluation.EvaluateMir1k(mono, Oracle()));
        Assert.Contains("stereo", e.Message);
    }
}
