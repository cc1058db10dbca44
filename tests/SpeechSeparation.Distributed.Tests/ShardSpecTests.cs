using SpeechSeparation.Distributed.Sharding;

namespace SpeechSeparation.Distributed.Tests;

public sealed class ShardSpecTests
{
    private static readonly string[] Files = [.. Enumerable.Range(0, 50).Select(i => $"/data/set{i % 4}/utt{i * 37 % 101:D3}.wav")];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(51)]
    public void ShardsAreDisjointAndCoverEveryInputOnce(int n)
    {
        var shards = Enumerable.Range(0, n).Select(k => new ShardSpec(k, n, "test").Select(Files)).ToList();
        var all = shards.SelectMany(s => s).ToList();
        Assert.Equal(Files.Length, all.Count);                                         // nothing twice
        Assert.Equal(Files.Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));   // everything once
        Assert.True(shards.Max(s => s.Count) - shards.Min(s => s.Count) <= 1, "unbalanced shards");
        Assert.Equal((Files.Length + n - 1) / n, shards[0].Count);
    }

    [Fact]
    public void ShardsDoNotDependOnListingOrderOrDuplicates()
    {
        var shard = new ShardSpec(2, 7, "test");
        var expected = shard.Select(Files);
        // Position 2, 9, 16… of the ordinal order: the first is the third-smallest path.
        Assert.Equal(Files.Order(StringComparer.Ordinal).ElementAt(2), expected[0]);
        for (int seed = 0; seed < 5; seed++)
        {
            var listed = Files.Concat(Files.Take(5)).ToArray();                          // a file named twice
            new Random(seed).Shuffle(listed);
            Assert.Equal(expected, shard.Select(listed));
        }
        // Relative and absolute names of one file are one input.
        var cwd = Environment.CurrentDirectory;
        Assert.Single(ShardSpec.CanonicalOrder(["a/x.wav", Path.Combine(cwd, "a", "x.wav"), "./a/x.wav"]));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("6/7", 6, 7)]
    public void ParsesKOverN(string text, int k, int n) => Assert.Equal((k, n), (ShardSpec.Parse(text).Index, ShardSpec.Parse(text).Count));

    [Theory]
    [InlineData("7/7")]
    [InlineData("-1/3")]
    [InlineData("1/0")]
    [InlineData("1:3")]
    [InlineData("a/b")]
    public void RejectsBadShards(string text) => Assert.Throws<FormatException>(() => ShardSpec.Parse(text));

    private static ShardSpec? Detect(int? count = null, params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return ShardSpec.FromEnvironment(name => map.GetValueOrDefault(name), count);
    }

    [Fact]
    public void ReadsSlurmArrays()
    {
        Assert.Equal("4/5", Detect(null, ("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "5"), ("SLURM_ARRAY_TASK_MIN", "0"))!.ToString());
        // --array=1-3: tasks 1, 2, 3 are shards 0, 1, 2.
        Assert.Equal("2/3", Detect(null, ("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "1"))!.ToString());
        // --array=1-5:2: tasks 1, 3, 5.
        Assert.Equal("2/3", Detect(null, ("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "2"))!.ToString());
        Assert.Throws<FormatException>(() => Detect(null, ("SLURM_ARRAY_TASK_ID", "3")));
        // A Slurm array wins over the MPI variables of an srun inside it.
        Assert.Equal("1/4", Detect(null, ("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("PMI_RANK", "0"), ("PMI_SIZE", "2"))!.ToString());
    }

    [Fact]
    public void ReadsKubernetesIndexedJobsWithAGivenCount()
    {
        Assert.Equal("3/8", Detect(8, ("JOB_COMPLETION_INDEX", "3"))!.ToString());
        Assert.Equal("3/8", Detect(null, ("JOB_COMPLETION_INDEX", "3"), (ShardSpec.CountVariable, "8"))!.ToString());
        var e = Assert.Throws<FormatException>(() => Detect(null, ("JOB_COMPLETION_INDEX", "3")));
        Assert.Contains("--shard-count", e.Message);
        Assert.Throws<FormatException>(() => Detect(3, ("JOB_COMPLETION_INDEX", "3")));
    }

    [Fact]
    public void ReadsMpiLaunchers()
    {
        var mpich = Detect(null, ("PMI_RANK", "1"), ("PMI_SIZE", "3"))!;
        Assert.Equal((1, 3, "PMI_RANK/PMI_SIZE"), (mpich.Index, mpich.Count, mpich.Source));
        Assert.Equal("5/6", Detect(null, ("OMPI_COMM_WORLD_RANK", "5"), ("OMPI_COMM_WORLD_SIZE", "6"))!.ToString());
        Assert.Throws<FormatException>(() => Detect(null, ("PMI_RANK", "3"), ("PMI_SIZE", "3")));
        Assert.Null(Detect(null));
        Assert.Null(Detect(null, ("PMI_RANK", "0")));                                      // a rank without a size is no launch
    }

    [Fact]
    public void ManifestPathsNameTheShard() =>
        Assert.Equal("runs/m-2-of-7.jsonl", ShardManifest.PathFor("runs/m-{shard}-of-{shards}.jsonl", new ShardSpec(2, 7, "test")));
}
