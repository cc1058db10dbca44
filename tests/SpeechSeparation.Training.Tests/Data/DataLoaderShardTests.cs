using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Training.Tests.Data;

public class DataLoaderShardTests
{
    /// <summary>Examples whose mixture holds their index, and whose id records the generator's first draw.</summary>
    private sealed class Indexed(int count) : IExampleSource
    {
        public int Count => count;
        public int SampleRate => 8000;
        public int NumSources => 1;
        public SeparationExample Get(int index, Random rng) => new([index, 0], [[0, 0]], 8000, $"{index}:{rng.Next()}");
    }

    private static List<string[]> Ids(DataLoader loader, int epoch) =>
        [.. loader.Epoch(epoch).Select(b => { using (b) return b.Ids.ToArray(); })];

    [Theory]
    [InlineData(2, 3, 26)]
    [InlineData(3, 2, 25)]
    public void ShardsOfBatchBSplitTheBatchesOfOneLoaderWithBatchNB(int ranks, int batch, int count)
    {
        var whole = new DataLoader(new Indexed(count), batch * ranks, seed: 5, workers: 2);
        var shards = Enumerable.Range(0, ranks).Select(r => new DataLoader(new Indexed(count), batch, seed: 5, workers: 2).Shard(r, ranks)).ToList();
        Assert.All(shards, s => Assert.Equal(count / (batch * ranks), s.BatchesPerEpoch));
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            var expected = Ids(whole, epoch);                                        // ids include each example's random draw
            var perRank = shards.Select(s => Ids(s, epoch)).ToList();
            Assert.Equal(expected.Count, perRank[0].Count);
            for (int step = 0; step < expected.Count; step++)
                Assert.Equal(expected[step], perRank.SelectMany(r => r[step]).ToArray());
        }
        Assert.NotEqual(Ids(whole, 1)[0], Ids(whole, 2)[0]);                       // epochs are shuffled differently
    }

    [Fact]
    public void WithoutDropLastTheLastGlobalBatchIsSplitInOrder()
    {
        // 11 examples, batch 2 × 3 ranks: global batches of 6 and 5; the second gives ranks 2, 2 and 1 examples.
        var shards = Enumerable.Range(0, 3).Select(r => new DataLoader(new Indexed(11), 2, seed: 1, shuffle: false, workers: 1, dropLast: false).Shard(r, 3)).ToList();
        Assert.Equal([2, 2, 2], shards.Select(s => s.BatchesPerEpoch));
        var sizes = shards.Select(s => Ids(s, 1).Select(b => b.Length).ToArray()).ToList();
        Assert.Equal([[2, 2], [2, 2], [2, 1]], sizes);
        var firsts = shards.Select(s => Ids(s, 1).Select(b => int.Parse(b[0].Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal([[0, 6], [2, 8], [4, 10]], firsts);
        // 10 examples, batch 5 × 3 ranks: rank 2 would start at example 10, so it has no batch.
        Assert.Equal(0, new DataLoader(new Indexed(10), 5, seed: 1, dropLast: false).Shard(2, 3).BatchesPerEpoch);
    }

    [Fact]
    public void ShardZeroOfOneIsTheLoaderItself()
    {
        var loader = new DataLoader(new Indexed(9), 2, seed: 3, dropLast: false);
        Assert.Equal(Ids(loader, 1), Ids(loader.Shard(0, 1), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.Shard(3, 3));
    }
}
