using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.Baselines;

public class BaselineFixtureTests
{
    [Theory]
    [InlineData("sb_simpleseparator_small")]
    [InlineData("sb_audioseparator_small")]
    [InlineData("sb_simpleseparator_toy_keys")]
    [InlineData("sb_simpleseparator_audio_keys")]
    [InlineData("sb_audioseparator_audio_keys")]
    [InlineData("torch_stft_rect64")]
    [InlineData("torch_stft_hann1024_hop256")]
    public void FixturePasses(string name) => FixtureAssert.Passes(TestPaths.Fixture(name));

    [Fact]
    public void TutorialConfigurationsHaveThePublishedParameterCounts()
    {
        using var toy = new SimpleSeparator(SimpleSeparatorConfig.Toy);
        Assert.Equal(1_088_602, toy.ParameterCount());
        using var audio = new SimpleSeparator(SimpleSeparatorConfig.Audio);
        Assert.Equal(2_572_626, audio.ParameterCount());
        using var conv = new AudioSeparator(AudioSeparatorConfig.Audio);
        Assert.Equal(4_692_801, conv.ParameterCount());
    }

    [Fact]
    public void AudioSeparatorRejectsBatchesLikeUpstream()
    {
        using var model = new AudioSeparator(new AudioSeparatorConfig(8, 4, 2, 16));
        using var x = torch.zeros(2, 400);
        Assert.Throws<ArgumentException>(() => model.forward(x));
    }
}
