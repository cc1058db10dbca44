using System.Text;
using SpeechSeparation.Fuzz;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Tests;
using SpeechSeparation.Training;

namespace SpeechSeparation.Conformance.Tests;

/// <summary>
/// Issue 17 §4: every input the fuzzing campaigns keep (the committed seed corpus and every finding, fuzz/regressions)
/// goes through the same targets in the default suite, and may only end in a documented exception; plus the checks that
/// the campaigns' findings led to (absurd sizes fail fast, untrusted names stay inside their folder).
/// </summary>
public class FuzzRegressionTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var root in new[] { "corpus", "regressions" })
        {
            var dir = Path.Combine(TestPaths.RepoRoot, "fuzz", root);
            if (!Directory.Exists(dir)) continue;
            foreach (var targetDir in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
                foreach (var file in Directory.GetFiles(targetDir).Order(StringComparer.Ordinal))
                    data.Add(Path.GetFileName(targetDir), Path.GetRelativePath(TestPaths.RepoRoot, file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void KeptInputEndsInADocumentedOutcome(string target, string file)
    {
        Assert.True(Targets.All.ContainsKey(target), $"unknown fuzz target folder '{target}'");
        using var stream = new MemoryStream(File.ReadAllBytes(Path.Combine(TestPaths.RepoRoot, file)));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try { Targets.All[target](stream); }
        catch (Exception e) when (Targets.Expected(e)) { Assert.False(string.IsNullOrWhiteSpace(e.Message)); }
        Assert.True(clock.Elapsed.TotalSeconds < 5, $"{file} took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void SeedCorpusCoversEveryTarget()
    {
        var targets = Inputs().Select(row => (string)row[0]).ToHashSet();
        Assert.Superset(Targets.All.Keys.ToHashSet(), targets);
        Assert.Subset(targets, Targets.All.Keys.ToHashSet());
    }

    private static Stream Json(string text) => new MemoryStream(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void AbsurdModelSizesFailFastNamingTheField()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<InvalidDataException>(() => new MossFormer2Separator(new MossFormer2Config { OutChannels = 100_000 }));
        Assert.Contains("out_channels", e.Message);
        e = Assert.Throws<InvalidDataException>(() => new MossFormer2Separator(new MossFormer2Config { InChannels = 4096, OutChannels = 4096, NumBlocks = 256 }));
        Assert.Contains("parameters", e.Message);
        e = Assert.Throws<InvalidDataException>(() => MossFormer2Config.FromJson(System.Text.Json.JsonDocument.Parse("""{"num_spks": "two"}""").RootElement));
        Assert.Contains("mossformer2 config", e.Message);
        e = Assert.Throws<InvalidDataException>(() => MossFormer2Config.FromJson(System.Text.Json.JsonDocument.Parse("""{"encoder_out_nchannels": 1e12}""").RootElement));
        Assert.Contains("encoder_out_nchannels", e.Message);
        Assert.True(clock.Elapsed.TotalSeconds < 2, "a refused configuration allocated first");
        // The published size is inside the bounds.
        Assert.Same(MossFormer2Config.ModelScope8k, MossFormer2Config.ModelScope8k.Validate());
    }

    [Fact]
    public void PackageMetadataIsCheckedFieldByField()
    {
        Assert.Equal("mossformer2", ModelPackage.ReadMetadata(Json("""{"architecture": "mossformer2", "sample_rate": 8000, "config": {}}""")).Architecture);
        foreach (var (text, field) in new[]
        {
            ("""[1, 2]""", "JSON object"),
            ("""{"sample_rate": 8000}""", "architecture"),
            ("""{"architecture": "x", "sample_rate": "8000"}""", "sample_rate"),
            ("""{"architecture": "x", "sample_rate": 1e300}""", "sample_rate"),
            ("""{"architecture": "x", "config": [1]}""", "config"),
            ("""{"architecture": "x", "weights": "../../etc/passwd"}""", "weights"),
            ("""{"architecture": "x", "weights": "/etc/passwd"}""", "weights"),
            ("""{"architecture": "x", "weights": 5}""", "weights"),
            ("""{"architecture": "x" """, "JSON"),
        })
        {
            var e = Assert.Throws<InvalidDataException>(() => ModelPackage.ReadMetadata(Json(text)));
            Assert.Contains(field, e.Message);
        }
        var huge = new MemoryStream(new byte[ModelPackage.MaxMetadataBytes + 1]);
        Assert.Contains("larger", Assert.Throws<InvalidDataException>(() => ModelPackage.ReadMetadata(huge)).Message);
    }

    [Fact]
    public void RecipeScalarsAreCheckedFieldByField()
    {
        var ok = TrainRecipe.Parse(Json("""
            {"architecture": "mossformer2", "output": "runs/x", "train": {"type": "folders"}, "epochs": 3, // comment
            }
            """));
        Assert.Equal((3, 4), (ok.Epochs, ok.BatchSize));
        foreach (var (text, field) in new[]
        {
            ("""{"output": "o", "train": {}}""", "architecture"),
            ("""{"architecture": "a", "output": "o"}""", "train"),
            ("""{"architecture": "a", "output": "o", "train": {}, "batch_size": "4"}""", "batch_size"),
            ("""{"architecture": "a", "output": "o", "train": {}, "batch_size": 0}""", "batch_size"),
            ("""{"architecture": "a", "output": "o", "train": {}, "epochs": 1e20}""", "epochs"),
            ("""{"architecture": "a", "output": "o", "train": {}, "lr": "fast"}""", "lr"),
            ("""{"architecture": "a", "output": "o", "train": [], "seed": 1}""", "train"),
            ("""{"architecture": "a", "output": 5, "train": {}}""", "output"),
        })
        {
            var e = Assert.Throws<InvalidDataException>(() => TrainRecipe.Parse(Json(text)));
            Assert.Contains(field, e.Message);
        }
    }
}
