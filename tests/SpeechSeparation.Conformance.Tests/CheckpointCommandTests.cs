using System.Text.Json;
using SpeechSeparation.Cli.Commands;
using SpeechSeparation.Conformance;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Conformance.Tests;

/// <summary><c>speechsep checkpoint</c> and the checkpoint-formats conformance handler on the real torch.save fixtures.</summary>
public class CheckpointCommandTests
{
    private static readonly string Dir = TestPaths.Fixture("checkpoint-formats");

    /// <summary>(key, dtype, shape) of every tensor, from config.json.</summary>
    private static List<(string Key, string DType, long[] Shape)> Listed()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "config.json")));
        return doc.RootElement.GetProperty("tensors").EnumerateArray().Select(t => (
            t.GetProperty("key").GetString()!, t.GetProperty("dtype").GetString()!,
            t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();
    }

    private static long Elements(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = new CheckpointCommand().Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void TextListingShowsEveryTensorTheOtherEntriesAndTheCount()
    {
        var (code, output, _) = Run(Path.Combine(Dir, "wrapped_state_dict.pt"));
        Assert.Equal(0, code);
        var lines = output.Split('\n');
        foreach (var (key, dtype, shape) in Listed())
        {
            var line = Assert.Single(lines, l => l.TrimStart().StartsWith("state_dict." + key + " ", StringComparison.Ordinal));
            Assert.Contains(dtype, line);
            Assert.Contains("[" + string.Join(", ", shape) + "]", line);
        }
        Assert.Contains(lines, l => l.TrimStart().StartsWith("epoch = ", StringComparison.Ordinal) && l.Contains("[int]"));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("best_loss = ", StringComparison.Ordinal) && l.Contains("[float]"));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("note = ", StringComparison.Ordinal) && l.Contains("[str]"));
        long total = Listed().Sum(t => Elements(t.Shape));
        Assert.Contains($"parameter count {total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}", output);
        Assert.Contains("(torch zip)", output);
    }

    [Fact]
    public void JsonListingParsesAndAddsUp()
    {
        var (code, output, _) = Run(Path.Combine(Dir, "dataparallel_prefix.pt"), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        var listed = Listed();
        var tensors = r.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(listed.Count, r.GetProperty("tensor_count").GetInt32());
        Assert.Equal(listed.Select(t => "module." + t.Key), tensors.Select(t => t.GetProperty("name").GetString()));
        for (int i = 0; i < listed.Count; i++)
        {
            Assert.Equal(listed[i].DType, tensors[i].GetProperty("dtype").GetString());
            Assert.Equal(listed[i].Shape, tensors[i].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
            Assert.Equal(Elements(listed[i].Shape), tensors[i].GetProperty("elements").GetInt64());
        }
        long total = listed.Sum(t => Elements(t.Shape));
        Assert.Equal(total, r.GetProperty("total_elements").GetInt64());
        Assert.Equal(total, r.GetProperty("state_dict").GetProperty("parameter_count").GetInt64());
    }

    [Fact]
    public void LegacyFormatAndPlaceholderObjectsAreListed()
    {
        Assert.Contains("(torch legacy)", Run(Path.Combine(Dir, "legacy_format.pt")).Out);
        var (_, output, _) = Run(Path.Combine(Dir, "foreign_object.pt"), "--json");
        using var doc = JsonDocument.Parse(output);
        var args = Assert.Single(doc.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal("args", args.GetProperty("name").GetString());
        Assert.Equal("argparse.Namespace", args.GetProperty("type").GetString());
    }

    [Fact]
    public void BadInputIsReported()
    {
        Assert.Equal(2, Run().Code);
        Assert.Throws<FileNotFoundException>(() => Run(Path.Combine(Dir, "no-such-file.pt")));
        var bad = Path.Combine(Path.GetTempPath(), "bad-" + Guid.NewGuid().ToString("N") + ".pt");
        File.WriteAllBytes(bad, File.ReadAllBytes(Path.Combine(Dir, "plain_state_dict.pt"))[..5000]);
        try { Assert.Throws<InvalidDataException>(() => Run(bad)); }
        finally { File.Delete(bad); }
    }

    [Fact]
    public void ConformanceHandlerPassesTheFixture()
    {
        var report = FixtureRunner.Run(Dir);
        Assert.Equal("checkpoint-formats", report.Handler);
        Assert.True(report.Passed, string.Join("\n", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));
        // one key check per file plus one comparison per tensor and file
        Assert.Equal(6 * (1 + Listed().Count), report.Checks.Count);
    }

    [Fact]
    public void ConformanceHandlerFailsOnAWrongDumpOrADamagedFile()
    {
        var copy = Path.Combine(Path.GetTempPath(), "ckfmt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(copy, "tensors"));
        try
        {
            foreach (var f in Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories))
                File.Copy(f, Path.Combine(copy, Path.GetRelativePath(Dir, f)));
            // Change one value of one dump.
            var npy = Path.Combine(copy, "tensors", "encoder.conv1d.bias.npy");
            var t = Npy.Read(npy);
            var v = t.ToFloatArray();
            v[3] += 1e-3f;
            Npy.Write(npy, HostTensor.FromFloats(v, t.Shape));
            // Truncate one checkpoint.
            var pt = Path.Combine(copy, "wrapped_model.pt");
            File.WriteAllBytes(pt, File.ReadAllBytes(pt)[..4000]);

            var report = FixtureRunner.Run(copy);
            Assert.False(report.Passed);
            var failed = report.Checks.Where(c => !c.Passed).Select(c => c.Name).ToList();
            Assert.Contains("wrapped_model.pt", failed);
            Assert.Contains("plain_state_dict.pt:encoder.conv1d.bias", failed);
            Assert.DoesNotContain("plain_state_dict.pt:encoder.conv1d.weight", failed);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
