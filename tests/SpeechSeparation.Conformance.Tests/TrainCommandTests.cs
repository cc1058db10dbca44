using System.Text.Json.Nodes;
using SpeechSeparation.Cli.Commands;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Conformance.Tests;

public class TrainCommandTests
{
    [Fact]
    public void RecipeTrainsOnRealVoicesAndExportsALoadablePackage()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-recipe").FullName;
        try
        {
            JsonObject Data(int n) => new()
            {
                ["type"] = "dynamic_mixing",
                ["speakers"] = new JsonArray(RealSpeech.EnglishFemale, RealSpeech.ItalianMale),
                ["segment_seconds"] = 0.5,
                ["examples_per_epoch"] = n,
            };
            var recipe = new JsonObject
            {
                ["architecture"] = "sb_simpleseparator",
                ["config"] = new JsonObject { ["fft_size"] = 128, ["hidden_size"] = 16 },
                ["sample_rate"] = 8000,
                ["train"] = Data(8),
                ["valid"] = Data(4),
                ["batch_size"] = 4,
                ["epochs"] = 2,
                ["lr"] = 1e-3,
                ["output"] = Path.Combine(dir, "run"),
            };
            var path = Path.Combine(dir, "recipe.json");
            File.WriteAllText(path, recipe.ToJsonString());
            var o = new StringWriter();
            Assert.Equal(0, new TrainCommand().Run(["--recipe", path], o, new StringWriter()));
            Assert.Contains("epoch 2:", o.ToString());
            Assert.True(File.Exists(Path.Combine(dir, "run", "checkpoints", "history.csv")));
            using var sep = Separator.Load(Path.Combine(dir, "run", "model"));
            Assert.Equal(2, sep.NumSources);
            var r = sep.Separate(new float[4000], 8000);
            Assert.Equal(4000, r.Sources[0].Frames);
            Assert.Equal(2, new TrainCommand().Run([], new StringWriter(), new StringWriter()));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
