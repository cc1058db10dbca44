using System.Text.Json.Nodes;
using SpeechSeparation.Conformance;
using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.Hourglass;

/// <summary>
/// The handlers must build the network from the folder's hyper-parameters: fixture folders of configurations the
/// committed fixtures do not have (3 sources, 3 stacks, odd sizes) are written here and run through the runner; a
/// perturbed expected output must fail.
/// </summary>
public class HourglassUnseenConfigurationTests
{
    private static string WriteFixture(string model, JsonObject hyper, torch.nn.Module<Tensor, Tensor> net, Tensor input, Tensor? targets, Tensor? longInput, double perturb = 0)
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-hourglass-fixture").FullName;
        net.eval();
        TorchCheckpoint.Save(Path.Combine(dir, "state_dict.pt"), net.StateDictToHost());
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var inputs = new JsonObject();
        var outputs = new JsonObject();
        void Put(JsonObject section, string name, Tensor t)
        {
            Npy.Write(Path.Combine(dir, name + ".npy"), t.contiguous().ToHost());
            section[name] = new JsonObject { ["file"] = name + ".npy" };
        }
        Put(inputs, "input", input);
        var masks = net.forward(input);
        Put(outputs, "masks", masks.Add(perturb));
        if (targets is not null)
        {
            Put(inputs, "targets", targets);
            Put(outputs, "loss", HourglassLoss.StackedL1(masks, input, targets).reshape(1));
        }
        if (longInput is not null)
        {
            Put(inputs, "long_input", longInput);
            Put(outputs, "long_masks", HourglassSeparator.WindowedMasks(net, longInput.unsqueeze(0).unsqueeze(0), tfQuirk: true).squeeze(0));
        }
        var config = new JsonObject
        {
            ["model"] = model,
            ["hyper"] = hyper,
            ["inputs"] = inputs,
            ["outputs"] = outputs,
            ["tolerance"] = new JsonObject { ["max_abs"] = 1e-5, ["rel_l2"] = 1e-5 },
        };
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        return dir;
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(1e-3, false)]
    public void PaperHandlerRunsThreeSourcesThreeStacksOddSizes(double perturb, bool passes)
    {
        torch.manual_seed(21);
        var config = new HourglassConfig(3, 3, 3, 6, 2, [4, 5, 6, 7]);
        using var net = new StackedHourglassNet(config);
        using var scope = torch.NewDisposeScope();
        var hyper = new JsonObject
        {
            ["num_sources"] = 3, ["num_stacks"] = 3, ["depth"] = 3, ["channels"] = 6, ["growth"] = 2,
            ["stem"] = new JsonArray(4, 5, 6, 7),
        };
        var dir = WriteFixture("hourglass", hyper, net, torch.rand([2, 1, 37, 21]), torch.rand([2, 3, 37, 21]), torch.rand([37, 101]), perturb);
        try
        {
            var report = FixtureRunner.Run(dir);
            Assert.Equal(passes, report.Passed);
            Assert.Equal(3, report.Checks.Count);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ZyfHandlerRunsThreeOutputsThreeStacks()
    {
        torch.manual_seed(22);
        using var net = new ZyfStackedHourglassNet(new ZyfHourglassConfig(3, 4, 3, 2));
        using var scope = torch.NewDisposeScope();
        var hyper = new JsonObject { ["num_stacks"] = 3, ["first_depth_channels"] = 4, ["output_channels"] = 3, ["next_depth_add_channels"] = 2 };
        var dir = WriteFixture("hourglass_zyf", hyper, net, torch.rand([2, 1, 64, 96]), torch.rand([2, 3, 64, 96]), null);
        try
        {
            FixtureAssert.Passes(dir);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
