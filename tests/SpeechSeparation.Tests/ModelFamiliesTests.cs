using System.Text.Json;
using SpeechSeparation.Families;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Tests;

/// <summary>
/// <see cref="ModelFamilies"/>: one entry per family builds the network for inference, training and conformance; on the
/// same weights the inference network and the training estimate give the same sources.
/// </summary>
// Random weights are drawn from libtorch's global generator after manual_seed; run alone like the other such tests.
[Collection(nameof(MemoryMeasurement))]
public class ModelFamiliesTests
{
    [Fact]
    public void EveryNameAndAliasResolvesToItsFamilyAndUnknownNamesAreListed()
    {
        Assert.IsType<MossFormer2Family>(ModelFamilies.Get("MossFormer2_SS_16K"));
        Assert.IsType<MossFormer2SeFamily>(ModelFamilies.Get("mossformer2_se"));
        Assert.IsType<FrcrnFamily>(ModelFamilies.Get("FRCRN_SE_16K"));
        Assert.IsType<MossFormerFamily>(ModelFamilies.Get("MOSSFORMER"));
        foreach (var family in ModelFamilies.All)
            foreach (var name in family.Aliases.Prepend(family.Name))
            {
                Assert.Same(family, ModelFamilies.Get(name));
                Assert.Contains(name, Architectures.Names);
            }
        Assert.Equal(ModelFamilies.All.Sum(f => 1 + f.Aliases.Count), Architectures.Names.Count);
        var e = Assert.Throws<NotSupportedException>(() => ModelFamilies.Get("conv_tasnet"));
        Assert.Contains("conv_tasnet", e.Message);
        Assert.Contains("mossformer2", e.Message);
        Assert.Null(ModelFamilies.Find("conv_tasnet"));
    }

    [Fact]
    public void FamiliesThatCannotTrainSaySo()
    {
        Assert.Equal(["mossformer", "mossformer2", "frcrn", "hourglass", "sb_simpleseparator"], ModelFamilies.Trainable.Select(f => f.Name));
        foreach (var family in ModelFamilies.All.Where(f => !f.Trainable))
            Assert.Contains(family.Name, Assert.Throws<NotSupportedException>(() => family.CreateForTraining(default)).Message);
    }

    public static TheoryData<string, string, int> SmallConfigs => new()
    {
        { "mossformer", """{"in_channels": 16, "out_channels": 16, "d_model": 16, "num_blocks": 1, "query_key_dim": 16, "group_size": 16}""", 8000 },
        { "mossformer2", """{"in_channels": 16, "out_channels": 16, "num_blocks": 1, "query_key_dim": 16, "group_size": 16, "fsmn_inner_channels": 16}""", 8000 },
        { "frcrn", """{"tiny_width": 8}""", 16000 },
        { "hourglass", """{"num_stacks": 1, "depth": 2, "channels": 16, "stem": [8, 8, 8, 8]}""", 8000 },
        { "sb_simpleseparator", """{"fft_size": 64, "hidden_size": 8}""", 8000 },
    };

    [Theory]
    [MemberData(nameof(SmallConfigs))]
    public void InferenceNetworkAndTrainingEstimateAgreeOnTheSameWeights(string architecture, string configJson, int rate)
    {
        var family = ModelFamilies.Get(architecture);
        using var doc = JsonDocument.Parse(configJson);
        var config = doc.RootElement;
        torch.manual_seed(3);
        var trainable = family.CreateForTraining(config);
        using var module = trainable.Module;
        module.eval();
        var weights = module.StateDictToHost();
        Assert.Equal(family.DefaultSampleRate, rate);

        // The conformance entry builds the same parameters (names and shapes).
        using (var fresh = family.CreateModule(config))
        {
            var freshKeys = fresh.StateDictToHost().ToDictionary(kv => kv.Key, kv => string.Join(",", kv.Value.Shape));
            Assert.Equal(weights.ToDictionary(kv => kv.Key, kv => string.Join(",", kv.Value.Shape)), freshKeys);
        }

        // The package config a training run writes reads back through the inference entry.
        using var packageConfig = JsonDocument.Parse(family.PackageConfig(config, module).ToJsonString());
        using var network = family.CreateNetwork(new NetworkSpec(architecture, packageConfig.RootElement, weights, null, torch.CPU));
        Assert.Equal(rate, network.SampleRate);
        Assert.Equal(trainable.Sources, network.SourceNames.Count);

        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var mixture = torch.randn(2, rate / 2);                                  // [B, T]
        var estimate = trainable.Estimate(mixture).permute(0, 2, 1);             // [B, S, T]
        var separated = network.Separate(mixture);                               // [B, S, T]
        Assert.Equal(estimate.shape, separated.shape);
        double scale = estimate.abs().max().item<float>();
        Assert.True(scale > 0, "the random network outputs silence");
        double diff = estimate.Add(separated, -1).abs().max().item<float>();
        Assert.True(diff <= 1e-5 * scale, $"{architecture}: inference and training entries differ by {diff:G3} (output scale {scale:G3})");
    }
}
