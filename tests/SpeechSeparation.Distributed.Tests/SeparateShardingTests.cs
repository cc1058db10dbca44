using System.Text.Json;
using SpeechSeparation.Cli;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Distributed.Tests;

/// <summary><c>speechsep separate --shard K/N --manifest --skip-existing</c> over seven short WAV files (default model).</summary>
public sealed class SeparateShardingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("speechsep-shard-").FullName;
    private string In => Path.Combine(_dir, "in");
    private string Out => Path.Combine(_dir, "out");

    public SeparateShardingTests()
    {
        Directory.CreateDirectory(In);
        var rng = new Random(3);
        for (int i = 0; i < 7; i++)
        {
            var x = new float[1600];
            for (int t = 0; t < x.Length; t++) x[t] = (float)(0.1 * Math.Sin(t * (0.05 + 0.01 * i)) + 0.02 * (rng.NextDouble() - 0.5));
            Wav.Write(Path.Combine(In, $"f{i}.wav"), new AudioBuffer(x, 1, 8000));
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static int Separate(params string[] args)
    {
        var err = new StringWriter();
        int rc = Program.Commands.Single(c => c.Name == "separate").Run(args, new StringWriter(), err);
        Assert.True(rc == 0, err.ToString());
        return rc;
    }

    private List<JsonElement> Manifest(int k) =>
        [.. File.ReadAllLines(Path.Combine(_dir, $"m{k}.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)];

    private string Stem(int i, int s) => Path.Combine(Out, $"f{i}_speaker{s}.wav");

    [Fact]
    public void ThreeShardsSeparateEveryFileOnceAndARerunResumes()
    {
        for (int k = 0; k < 3; k++)
            Separate(In, "--out", Out, "--shard", $"{k}/3", "--manifest", Path.Combine(_dir, "m{shard}.jsonl"));
        var done = Enumerable.Range(0, 3).SelectMany(k => Manifest(k).Select(r => (Shard: k, Input: r.GetProperty("input").GetString()!, Record: r))).ToList();
        Assert.All(done, d => Assert.Equal("ok", d.Record.GetProperty("status").GetString()));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => Path.Combine(In, $"f{i}.wav")), done.Select(d => d.Input).Order(StringComparer.Ordinal));
        // Canonical order f0 … f6: shard k has positions k, k + 3…
        Assert.All(done, d => Assert.Equal(d.Shard, int.Parse(Path.GetFileNameWithoutExtension(d.Input)[1..], System.Globalization.CultureInfo.InvariantCulture) % 3));
        Assert.All(done, d => Assert.Equal(2, d.Record.GetProperty("outputs").GetArrayLength()));
        for (int i = 0; i < 7; i++) Assert.True(File.Exists(Stem(i, 1)) && File.Exists(Stem(i, 2)), $"f{i}'s stems");

        // Shard 0 again: f3 lost a stem, f0 was written but its manifest line is missing (killed before it was appended).
        File.Delete(Stem(3, 2));
        var m0 = Path.Combine(_dir, "m0.jsonl");
        File.WriteAllLines(m0, File.ReadAllLines(m0).Where(l => !l.Contains("f0.wav", StringComparison.Ordinal)));
        var untouched = File.GetLastWriteTimeUtc(Stem(6, 1));
        var f0Before = File.GetLastWriteTimeUtc(Stem(0, 1));
        Thread.Sleep(20);
        Separate(In, "--out", Out, "--shard", "0/3", "--manifest", Path.Combine(_dir, "m{shard}.jsonl"), "--skip-existing");
        var last = Manifest(0).GroupBy(r => Path.GetFileName(r.GetProperty("input").GetString()!)).ToDictionary(g => g.Key, g => g.Last().GetProperty("status").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["f0.wav"] = "ok", ["f3.wav"] = "ok", ["f6.wav"] = "skipped" }, last);
        Assert.True(File.Exists(Stem(3, 2)));
        Assert.Equal(untouched, File.GetLastWriteTimeUtc(Stem(6, 1)));
        Assert.NotEqual(f0Before, File.GetLastWriteTimeUtc(Stem(0, 1)));
    }

    [Fact]
    public void ASlurmArrayTaskTakesItsShardFromTheEnvironment()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "speechsep.dll");
        var r = ProcessRunner.Run("dotnet", [cli, "separate", In, "--out", Out], TimeSpan.FromSeconds(120),
            new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "11", ["SLURM_ARRAY_TASK_MIN"] = "10", ["SLURM_ARRAY_TASK_COUNT"] = "3" });
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("shard 1/3 (SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT): 2 of 7 inputs", r.Output);
        Assert.Equal(["f1_speaker1.wav", "f1_speaker2.wav", "f4_speaker1.wav", "f4_speaker2.wav"],
            Directory.GetFiles(Out).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [MpiFact]
    public void RanksUnderMpiexecSplitTheInputs()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "speechsep.dll");
        var r = ProcessRunner.Run(Mpiexec.Path!, ["-n", "3", "dotnet", cli, "separate", In, "--out", Out, "--manifest", Path.Combine(_dir, "m{shard}.jsonl")], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Equal(14, Directory.GetFiles(Out).Length);
        Assert.Equal([3, 2, 2], Enumerable.Range(0, 3).Select(k => Manifest(k).Count));
        Assert.Contains("shard 2/3 (PMI_RANK/PMI_SIZE): 2 of 7 inputs", r.Output);
    }
}
