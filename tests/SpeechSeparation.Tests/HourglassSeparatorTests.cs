using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Tests;

public class HourglassSeparatorTests
{
    private static float[] Music(int n, int rate)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t = (double)i / rate;
            x[i] = (float)(0.2 * Math.Sin(2 * Math.PI * 220 * t) + 0.1 * Math.Sin(2 * Math.PI * 330 * t) * (1 + Math.Sin(2 * Math.PI * 3 * t))
                           + 0.05 * Math.Sin(2 * Math.PI * 1250 * t + 3 * Math.Sin(2 * Math.PI * 5 * t)));
        }
        return x;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PackageOfASmallHourglassSeparatesA44kHzSongIntoTwoStems(bool zyf)
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-hourglass").FullName;
        try
        {
            torch.manual_seed(9);
            if (zyf)
            {
                var config = new ZyfHourglassConfig(2, 4, 2, 2);
                using var model = new ZyfStackedHourglassNet(config);
                ModelPackage.Save(dir, HourglassNetwork.Name, 8000, HourglassNetwork.PackageConfig(config), model);
            }
            else
            {
                var config = new HourglassConfig(2, 2, 4, 8, 0, [4, 8, 8, 8]);
                using var model = new StackedHourglassNet(config);
                ModelPackage.Save(dir, HourglassNetwork.Name, 8000, HourglassNetwork.PackageConfig(config), model);
            }
            using var sep = Separator.Load(dir, new SeparatorOptions { Gain = GainPolicy.None });
            Assert.Equal(8000, sep.SampleRate);
            Assert.Equal(["accompaniment", "vocals"], sep.SourceNames);
            foreach (int n in new[] { 44100 * 6 + 17, 300 })                          // longer than a window; shorter than one STFT frame
            {
                var x = Music(n, 44100);
                var result = sep.Separate(x, 44100);
                Assert.Equal(2, result.Sources.Count);
                foreach (var stem in result.Sources)
                {
                    Assert.Equal(44100, stem.SampleRate);
                    Assert.Equal(n, stem.Frames);
                    Assert.All(stem.Channel(0).ToArray(), v => Assert.True(float.IsFinite(v)));
                }
                if (n > 44100) Assert.True(result.Sources.Sum(s => s.Channel(0).ToArray().Sum(v => (double)v * v)) > 0);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void NetworkOutputIsTheMaskedMixtureAtTheInputLength()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-hourglass").FullName;
        try
        {
            torch.manual_seed(4);
            var config = new HourglassConfig(3, 1, 2, 4, 0, [4, 4, 4, 4]);
            using var model = new StackedHourglassNet(config);
            model.eval();
            ModelPackage.Save(dir, "hourglass", 8000, HourglassNetwork.PackageConfig(config, ["bass", "drums", "other"]), model);
            using var net = ModelPackage.LoadNetwork(dir, new SeparatorOptions());
            Assert.Equal(["bass", "drums", "other"], net.SourceNames);
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var x = torch.tensor(Music(2 * 9001, 8000), [2, 9001]);
            var y = net.Separate(x);
            Assert.Equal([2, 3, 9001], y.shape);
            var expected = new HourglassSeparator(model).Separate(x);
            Assert.True((y - expected).abs().max().ToDouble() < 1e-6);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
