using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Training.Tests;

public class LossTests
{
    private static Tensor Load(string fixture, string file) => HostTensors.ToTensor(Npy.Read(Path.Combine(TestPaths.Fixture(fixture), file)));

    private static double MaxAbs(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    private static double RelL2(double[] got, double[] want) =>
        Math.Sqrt(got.Zip(want, (x, y) => (x - y) * (x - y)).Sum() / want.Sum(x => x * x));

    [Theory]
    [InlineData("pit_si_snr_2src")]
    [InlineData("pit_si_snr_3src")]
    public void PitSiSnrMatchesSpeechBrain(string fixture)
    {
        using var scope = torch.NewDisposeScope();
        var targets = Load(fixture, "targets.npy");
        var estimates = Load(fixture, "estimates.npy");
        using var r = PitSiSnrLoss.Compute(targets, estimates);
        var loss = Npy.Read(Path.Combine(TestPaths.Fixture(fixture), "loss.npy")).ToDoubleArray();
        var matrix = Npy.Read(Path.Combine(TestPaths.Fixture(fixture), "loss_matrix.npy")).ToDoubleArray();
        var perm = Npy.Read(Path.Combine(TestPaths.Fixture(fixture), "perm.npy")).ToInt64Array();
        Assert.True(MaxAbs(r.Loss.ToDoubleArray(), loss) < 2e-4);
        Assert.True(MaxAbs(r.LossMatrix.ToDoubleArray(), matrix) < 2e-4);
        Assert.Equal(perm, r.Permutations.SelectMany(p => p.Select(x => (long)x)).ToArray());
        var mean = Npy.Read(Path.Combine(TestPaths.Fixture(fixture), "loss_mean.npy")).ToDoubleArray()[0];
        Assert.Equal(mean, r.Loss.mean().ToDouble(), 4);
    }

    [Theory]
    [InlineData("2src")]
    [InlineData("3src")]
    public void PitSiSnrGradientMatchesAutograd(string n)
    {
        using var scope = torch.NewDisposeScope();
        var targets = Load("pit_si_snr_grad", $"targets_{n}.npy");
        var estimates = Load("pit_si_snr_grad", $"estimates_{n}.npy").requires_grad_();
        PitSiSnrLoss.Loss(targets, estimates).mean().backward();
        var want = Npy.Read(Path.Combine(TestPaths.Fixture("pit_si_snr_grad"), $"grad_{n}.npy")).ToDoubleArray();
        Assert.True(RelL2(estimates.grad!.ToDoubleArray(), want) < 1e-4);
    }

    [Fact]
    public void TiesKeepTheFirstPermutationAndSilenceGivesMinus80Db()
    {
        Assert.Equal([0, 1, 2], PitSiSnrLoss.ExhaustiveFloat32(new float[9], 3));
        using var scope = torch.NewDisposeScope();
        var s = torch.zeros(1, 100, 2);
        var e = torch.randn(1, 100, 2);
        using var r = PitSiSnrLoss.Compute(s, e);
        Assert.Equal(80.0, r.Loss.ToDouble(), 3);
    }

    [Fact]
    public void HungarianAgreesWithExhaustiveSearchBeyondTheLimit()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var s = torch.randn(3, 400, 5);
        var perm = new long[] { 3, 0, 4, 1, 2 };
        var e = s.index_select(2, torch.tensor(perm)).Add(torch.randn(3, 400, 5).Mul(0.3));
        using var exhaustive = PitSiSnrLoss.Compute(s, e);
        using var hungarian = PitSiSnrLoss.Compute(s, e, exhaustiveLimit: 2);
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(exhaustive.Permutations[b], hungarian.Permutations[b]);
            Assert.Equal(perm.Select(x => (int)x), exhaustive.Permutations[b]);
        }
        // Reordering puts estimate i at position perm[i]: the reordered estimates line up with the references.
        var ordered = PitSiSnrLoss.Reorder(e, exhaustive.Permutations);
        var snr = ScaleInvariantSnr.Compute(ordered.permute(0, 2, 1), s.permute(0, 2, 1));
        Assert.True(snr.min().ToDouble() > 5);
    }

    [Fact]
    public void PerSourceListsGiveTheSameLossAndImprovementIsRelativeToTheMixture()
    {
        using var scope = torch.NewDisposeScope();
        var targets = Load("pit_si_snr_3src", "targets.npy");
        var estimates = Load("pit_si_snr_3src", "estimates.npy");
        using var a = PitSiSnrLoss.Compute(targets, estimates);
        using var b = PitSiSnrLoss.Compute(
            Enumerable.Range(0, 3).Select(i => targets.select(2, i)).ToList(),
            Enumerable.Range(0, 3).Select(i => estimates.select(2, i)).ToList());
        Assert.Equal(a.Loss.ToFloatArray(), b.Loss.ToFloatArray());
        Assert.Equal(a.Permutations, b.Permutations);
        var s = torch.randn(2, 500);
        var mix = s.Add(torch.randn(2, 500));
        var imp = ScaleInvariantSnr.Improvement(s.Mul(2), s, mix).ToDoubleArray();
        var mixSnr = ScaleInvariantSnr.Compute(mix, s).ToDoubleArray();
        for (int i = 0; i < 2; i++) Assert.Equal(ScaleInvariantSnr.Compute(s.Mul(2), s).ToDoubleArray()[i] - mixSnr[i], imp[i], 4);
    }

    [Fact]
    public void SiSnrIsScaleInvariantAndShiftInvariantWithZeroMean()
    {
        using var scope = torch.NewDisposeScope();
        var s = torch.randn([2, 1000], ScalarType.Float64);
        var e = s.Add(torch.randn([2, 1000], ScalarType.Float64).Mul(0.1));
        var a = ScaleInvariantSnr.Compute(e, s).ToDoubleArray();
        var b = ScaleInvariantSnr.Compute(e.Mul(3.0).Add(0.5), s).ToDoubleArray();
        Assert.True(MaxAbs(a, b) < 1e-6);
        // Closed form in double: P = <e,s> s/<s,s>, ratio = |P|²/|e−P|².
        var sv = s.ToDoubleArray();
        var ev = e.ToDoubleArray();
        for (int r = 0; r < 2; r++)
        {
            var x = sv.AsSpan(r * 1000, 1000).ToArray();
            var y = ev.AsSpan(r * 1000, 1000).ToArray();
            double mx = x.Average(), my = y.Average();
            for (int i = 0; i < 1000; i++) { x[i] -= mx; y[i] -= my; }
            double dot = x.Zip(y, (p, q) => p * q).Sum(), ss = x.Sum(v => v * v) + 1e-8;
            double pp = 0, nn = 0;
            for (int i = 0; i < 1000; i++) { double p = dot * x[i] / ss; pp += p * p; nn += (y[i] - p) * (y[i] - p); }
            Assert.Equal(10 * Math.Log10(pp / (nn + 1e-8) + 1e-8), a[r], 9);
        }
    }

    [Fact]
    public void FrcrnLossFollowsTheSpecFormulas()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        int fBins = 5, frames = 4;
        var clean = torch.randn([2, 2 * fBins, frames], ScalarType.Float64).Mul(2);
        var noisy = torch.randn([2, 2 * fBins, frames], ScalarType.Float64);
        var mask = torch.randn([2, 2 * fBins, frames], ScalarType.Float64).requires_grad_();
        var wavClean = torch.randn([2, 300], ScalarType.Float64);
        var wav = wavClean.Mul(0.8).Add(torch.randn([2, 300], ScalarType.Float64).Mul(0.2)).requires_grad_();
        using var terms = FrcrnLoss.Compute(clean, noisy, mask, wav, wavClean);

        // Reference in managed code.
        var c = clean.ToDoubleArray();
        var y = noisy.ToDoubleArray();
        var m = mask.detach().ToDoubleArray();
        double amp = 0, ph = 0;
        int count = 0;
        for (int b = 0; b < 2; b++)
            for (int f = 0; f < fBins; f++)
                for (int t = 0; t < frames; t++)
                {
                    int re = (b * 2 * fBins + f) * frames + t, im = (b * 2 * fBins + f + fBins) * frames + t;
                    double p = y[re] * y[re] + y[im] * y[im] + 1e-8;
                    double mr = (c[re] * y[re] + c[im] * y[im]) / p, mi = (c[im] * y[re] - c[re] * y[im]) / p;
                    static double Fix(double v) => v > 2 ? 1 : v < -2 ? -1 : v;
                    mr = Fix(mr);
                    mi = Fix(mi);
                    amp += (mr - m[re]) * (mr - m[re]);
                    ph += (mi - m[im]) * (mi - m[im]);
                    count++;
                }
        amp = amp / count * 2 * fBins;
        ph = ph / count * 2 * fBins;
        Assert.Equal(amp, terms.Amplitude.ToDouble(), 10);
        Assert.Equal(ph, terms.Phase.ToDouble(), 10);
        var sisnr = -ScaleInvariantSnr.Compute(wav, wavClean, zeroMean: false).mean().ToDouble();
        Assert.Equal(sisnr, terms.SiSnr.ToDouble(), 10);
        Assert.Equal(amp + ph + sisnr, terms.Total.ToDouble(), 9);
        // Out-of-range entries: > 2 → 1, < −2 → −1.
        var tm = FrcrnLoss.TargetMask(clean, noisy).ToDoubleArray();
        Assert.All(tm, v => Assert.InRange(v, -2, 2));
        Assert.Contains(tm, v => v == 1.0);

        terms.Total.backward();
        Assert.NotNull(mask.grad);
        Assert.NotNull(wav.grad);
        AssertGradientMatchesFiniteDifferences(wav, () => FrcrnLoss.Compute(clean, noisy, mask, wav, wavClean).Total);
    }

    [Fact]
    public void HourglassLossMatchesTheFixture()
    {
        using var scope = torch.NewDisposeScope();
        var masks = Load("hourglass_small", "masks.npy");
        var input = Load("hourglass_small", "input.npy");
        var targets = Load("hourglass_small", "targets.npy");
        var want = Npy.Read(Path.Combine(TestPaths.Fixture("hourglass_small"), "loss.npy")).ToDoubleArray()[0];
        var got = StackedHourglassLoss.Compute(masks, input, targets).ToDouble();
        Assert.True(Math.Abs(got - want) <= 1e-5 * Math.Abs(want), $"{got} vs {want}");
        var list = Enumerable.Range(0, 4).Select(i => masks.select(0, i)).ToList();
        Assert.Equal(got, StackedHourglassLoss.Compute(list, input, targets).ToDouble(), 6);

        var m64 = masks.@double().requires_grad_();
        StackedHourglassLoss.Compute(m64, input.@double(), targets.@double()).backward();
        Assert.NotNull(m64.grad);
        AssertGradientMatchesFiniteDifferences(m64, () => StackedHourglassLoss.Compute(m64, input.@double(), targets.@double()), samples: 20);
    }

    /// <summary>Central differences on a few entries of a float64 leaf against its accumulated gradient.</summary>
    private static void AssertGradientMatchesFiniteDifferences(Tensor leaf, Func<Tensor> loss, int samples = 12)
    {
        var grad = leaf.grad!.ToDoubleArray();
        var flat = leaf.detach().view(-1);
        var rng = new Random(1);
        const double h = 1e-6;
        for (int k = 0; k < samples; k++)
        {
            int i = rng.Next(grad.Length);
            double orig = flat.select(0, i).ToDouble();
            double Eval(double v)
            {
                using var s = torch.NewDisposeScope();
                using (torch.no_grad()) flat.select(0, i).fill_(v);
                using (torch.no_grad()) return loss().ToDouble();
            }
            double fd = (Eval(orig + h) - Eval(orig - h)) / (2 * h);
            using (torch.no_grad()) flat.select(0, i).fill_(orig);
            Assert.True(Math.Abs(fd - grad[i]) <= 1e-5 + 1e-4 * Math.Abs(fd), $"entry {i}: finite difference {fd} vs autograd {grad[i]}");
        }
    }
}
