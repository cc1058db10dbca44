using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.Hourglass;

public class HourglassFixtureTests
{
    [Theory]
    [InlineData("hourglass_small")]
    [InlineData("hourglass_growth_small")]
    [InlineData("hourglass_zyf_small")]
    [InlineData("hourglass_paper_keys")]
    [InlineData("hourglass_growth_keys")]
    [InlineData("hourglass_zyf_default_keys")]
    [InlineData("hourglass_zyf_paperwidth_keys")]
    [InlineData("torch_stft_hann1024_hop256")]
    public void FixturePasses(string name) => FixtureAssert.Passes(TestPaths.Fixture(name));

    [Fact]
    public void PresetsHaveThePublishedParameterCounts()
    {
        using var paper = new StackedHourglassNet(HourglassConfig.Paper);
        Assert.Equal(34_176_776, paper.ParameterCount());
        Assert.Equal(150, paper.state_dict().Count);
        using var growth = new StackedHourglassNet(HourglassConfig.Growth64);
        Assert.Equal(20_540_488, growth.ParameterCount());
        using var zyf = new ZyfStackedHourglassNet(ZyfHourglassConfig.Default);
        Assert.Equal(34_689_752, zyf.ParameterCount());
        Assert.Equal(602, zyf.state_dict().Count);
        using var zyfPaper = new ZyfStackedHourglassNet(ZyfHourglassConfig.PaperWidth);
        Assert.Equal(42_752_792, zyfPaper.ParameterCount());
    }

    [Theory]
    [InlineData(3, 3, 2, 37, 21)]   // unseen configuration: 3 sources, 3 stacks, odd sizes
    [InlineData(2, 1, 4, 17, 5)]
    [InlineData(1, 2, 3, 1, 1)]
    public void PaperNetworkTakesAnySize(int sources, int stacks, int depth, int bins, int frames)
    {
        torch.manual_seed(3);
        using var net = new StackedHourglassNet(new HourglassConfig(sources, stacks, depth, 6, 2, [4, 4, 4, 4]));
        net.eval();
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var y = net.forward(torch.rand([2, 1, bins, frames]));
        Assert.Equal([stacks, 2, sources, bins, frames], y.shape);
        Assert.True(y.isfinite().all().ToDouble() != 0);
    }

    [Fact]
    public void ZyfNetworkRejectsSizesItCannotPool()
    {
        using var net = new ZyfStackedHourglassNet(new ZyfHourglassConfig(2, 4, 2, 4));
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => net.forward(torch.zeros(1, 1, 64, 48)));
    }

    [Fact]
    public void LossIsTheSumOverStacksAndHasGradients()
    {
        torch.manual_seed(11);
        using var net = new StackedHourglassNet(new HourglassConfig(2, 3, 2, 4, 0, [4, 4, 4, 4]));
        using var scope = torch.NewDisposeScope();
        var x = torch.rand([2, 1, 16, 12]);
        var targets = torch.rand([2, 2, 16, 12]);
        var masks = net.forward(x);
        var loss = HourglassLoss.StackedL1(masks, x, targets);
        double expected = 0;
        for (int s = 0; s < 3; s++) expected += (targets - x * masks.select(0, s)).abs().mean().ToDouble();
        Assert.Equal(expected, loss.ToDouble(), 4);
        loss.backward();
        Assert.All(net.parameters(), p => Assert.NotNull(p.grad));
        Assert.True(net.Cnv1.weight.grad!.abs().sum().ToDouble() > 0);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(150)]
    [InlineData(40)]
    public void WindowedMasksCoverEveryFrameWithTheRightWindow(int frames)
    {
        // A "network" whose mask is the input itself shows which window each frame came from: feed frame indices.
        using var scope = torch.NewDisposeScope();
        var input = KeptScalars.Arange(frames, ScalarType.Float32).view(1, 1, 1, frames).expand(1, 1, 3, frames).contiguous().Add(1);
        using var identity = new StackOfInput();
        var m = HourglassSeparator.WindowedMasks(identity, input);
        Assert.Equal([1, 1, 3, frames], m.shape);
        var got = m.select(2, 0).reshape(frames).ToFloatArray();
        for (int t = 0; t < frames; t++) Assert.Equal(t + 1, got[t]);
        var quirk = HourglassSeparator.WindowedMasks(identity, input, tfQuirk: true).reshape(3, frames).select(0, 0).ToFloatArray();
        for (int t = 0; t < frames; t++) Assert.Equal(frames == 64 && t < 16 ? 0 : t + 1, quirk[t]);
    }

    /// <summary>Returns its input as the masks of two stacks (the second doubled back to the input by the last-stack rule).</summary>
    private sealed class StackOfInput : SpeechSeparation.Tensors.NN.Module<Tensor, Tensor>
    {
        public override Tensor forward(Tensor input) => torch.stack([torch.zeros_like(input), input]);
    }
}

public class HourglassSeparatorFrontEndTests
{
    [Fact]
    public void UnitMasksGiveTheMixtureBack()
    {
        using var scope = torch.NewDisposeScope();
        var t = KeptScalars.Arange(8000, ScalarType.Float32).Div(8000.0);
        var x = torch.stack([t.Mul(2 * Math.PI * 440).sin().Mul(0.3), t.Mul(2 * Math.PI * 1234.5).sin().Mul(0.1).Add(t.Mul(2 * Math.PI * 97).cos().Mul(0.2))]);
        var (mag, phase) = HourglassSeparator.Analyse(x);
        Assert.Equal([2, 513, 32], mag.shape);
        var (input, scale) = HourglassSeparator.Normalise(mag);
        Assert.Equal([2, 1, 512, 32], input.shape);
        Assert.True(Math.Abs(input.select(0, 1).max().ToDouble() - 1) < 1e-6 || scale.select(0, 1).ToDouble() > mag.select(0, 1).narrow(0, 0, 512).max().ToDouble());
        var y = HourglassSeparator.Synthesise(mag.narrow(1, 0, 512).unsqueeze(1), phase, 8000);            // [2, 1, 8000]
        Assert.Equal([2, 1, 8000], y.shape);
        double rel = ((y.squeeze(1) - x).norm().ToDouble()) / x.norm().ToDouble();
        Assert.True(rel < 1e-4, $"relative error {rel}");
        // The TF script's inverse (n_fft 1022 inferred from 512 rows) is not a reconstruction, but keeps length and level.
        var z = HourglassSeparator.Synthesise(mag.narrow(1, 0, 512).unsqueeze(1), phase, 8000, HourglassInverse.Librosa1022);
        Assert.Equal([2, 1, 8000], z.shape);
        double ratio = z.norm().ToDouble() / x.norm().ToDouble();
        Assert.InRange(ratio, 0.8, 1.25);
    }
}

public class HourglassInitialisationTests
{
    [Fact]
    public void WeightsFollowTheTfInitialiserLikeTheFixture()
    {
        // The fixture's weights follow the TF initialiser N(0, 1/(kh·kw·c_in)); a fresh network must have the same scale.
        var fixture = SpeechSeparation.Serialization.StateDict.Load(Path.Combine(TestPaths.Fixture("hourglass_small"), "state_dict.pt"));
        torch.manual_seed(1);
        using var net = new StackedHourglassNet(new HourglassConfig(2, 4, 4, 16, 0, [8, 16, 16, 16]));
        var own = net.state_dict();
        foreach (var (name, host) in fixture.Where(kv => kv.Key.EndsWith(".weight", StringComparison.Ordinal) && kv.Value.ElementCount >= 1000))
        {
            using var scope = torch.NewDisposeScope();
            var w = HostTensors.ToTensor(host);
            double expected = Math.Sqrt(1.0 / (w.size(1) * w.size(2) * w.size(3)));
            Assert.InRange(w.std().ToDouble() / expected, 0.85, 1.15);
            Assert.InRange(own[name].std().ToDouble() / expected, 0.85, 1.15);
            Assert.Equal(0, own[name.Replace(".weight", ".bias", StringComparison.Ordinal)].abs().max().ToDouble());
        }
    }
}
