using System.Text.Json;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Serialization.Tests;

/// <summary>Every state_dict.pt / *.bin under tests/fixtures loads and matches its folder's config.json.</summary>
public class FixtureStateDictTests
{
    public static TheoryData<string> CheckpointFiles()
    {
        var data = new TheoryData<string>();
        var root = TestPaths.Fixture();
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                     .Where(f => Path.GetFileName(f) == "state_dict.pt" || f.EndsWith(".bin", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(CheckpointFiles))]
    public void LoadsWithTheCountsItsConfigStates(string relative)
    {
        var path = TestPaths.Fixture(relative);
        var sd = StateDict.Load(path);
        Assert.NotEmpty(sd);
        Assert.All(sd.Values, t => Assert.Equal(t.ElementCount * t.DType.ElementSize(), t.Data.LongLength));
        if (Path.GetFileName(path) != "state_dict.pt") return;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(path)!, "config.json")));
        Assert.True(doc.RootElement.TryGetProperty("state_dict", out var info), "config.json describes state_dict");
        Assert.Equal(info.GetProperty("entries").GetInt32(), sd.Count);
        // param_count / param_elements count the module's parameters; the file also holds its persistent buffers
        // (running statistics, inv_freq, fixed STFT kernels…), which a state dict does not mark as such.
        long total = StateDict.TotalElements(sd);
        foreach (var name in new[] { "param_elements", "param_count" })
            if (info.TryGetProperty(name, out var pc))
                Assert.InRange(pc.GetInt64(), 1, total);
    }

    [Fact]
    public void MossFormerSplitFilesMergeIntoTheWholeModelStateDict()
    {
        // ModelScope ships encoder.bin / decoder.bin / masknet.bin without the encoder. / decoder. / mask_net. prefixes.
        string dir = TestPaths.Fixture("mossformer_ms_tiny");
        var merged = StateDict.LoadMany([
            (Path.Combine(dir, "encoder.bin"), "encoder."),
            (Path.Combine(dir, "decoder.bin"), "decoder."),
            (Path.Combine(dir, "masknet.bin"), "mask_net."),
        ]);
        var whole = StateDict.Load(Path.Combine(dir, "state_dict.pt"));
        Assert.Equal(whole.Keys.Order(StringComparer.Ordinal), merged.Keys.Order(StringComparer.Ordinal));
        foreach (var (k, t) in whole)
        {
            Assert.Equal(t.DType, merged[k].DType);
            Assert.Equal(t.Shape, merged[k].Shape);
            Assert.Equal(t.Data, merged[k].Data);
        }
        Assert.Equal(["conv1d.weight"], StateDict.Load(Path.Combine(dir, "encoder.bin")).Keys);
        Assert.Equal(["weight"], StateDict.Load(Path.Combine(dir, "decoder.bin")).Keys);
    }

    [Fact]
    public void LoadManyRefusesTheSameKeyTwice()
    {
        string enc = TestPaths.Fixture("mossformer_ms_tiny", "encoder.bin");
        var e = Assert.Throws<InvalidDataException>(() => StateDict.LoadMany([(enc, "a."), (enc, "a.")]));
        Assert.Contains("a.conv1d.weight", e.Message);
    }
}
