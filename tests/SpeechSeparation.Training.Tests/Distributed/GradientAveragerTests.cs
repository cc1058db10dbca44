using SpeechSeparation.Training.Distributed;

namespace SpeechSeparation.Training.Tests.Distributed;

public class GradientAveragerTests
{
    /// <summary>Rank 0 of two, whose partner's contribution to every all-reduce is given in advance (a queue of arrays).</summary>
    private sealed class TwoRanks(Queue<double[]> partner) : IProcessGroup
    {
        public List<int> Lengths { get; } = [];
        public int Rank => 0;
        public int Size => 2;

        public void AllreduceSum(Span<float> values)
        {
            Lengths.Add(values.Length);
            var other = partner.Dequeue();
            Assert.Equal(other.Length, values.Length);
            for (int i = 0; i < values.Length; i++) values[i] += (float)other[i];
        }

        public void AllreduceSum(Span<double> values)
        {
            Lengths.Add(values.Length);
            var other = partner.Dequeue();
            for (int i = 0; i < values.Length; i++) values[i] += other[i];
        }

        public void Broadcast(Span<float> values, int root = 0) { }
        public void Broadcast(Span<byte> values, int root = 0) { }
        public void Abort(string reason, int exitCode = 1) => throw new InvalidOperationException(reason);
    }

    [Fact]
    public void BucketsGroupConsecutiveParametersUpToTheCapacity()
    {
        var buckets = GradientAverager.Buckets([5, 3, 10, 2, 2, 1], 8);
        Assert.Equal([[0, 1], [2], [3, 4, 5]], buckets.Select(b => b.ToArray()));
    }

    [Fact]
    public void GradientsBecomeTheMeanOverRanksBucketByBucket()
    {
        // Parameters of 6, 4 and 3 entries; the third has no gradient here but one on the partner; a fourth has none anywhere.
        var a = new Parameter(torch.zeros(2, 3));
        var b = new Parameter(torch.zeros(4));
        var c = new Parameter(torch.zeros(3));
        var d = new Parameter(torch.zeros(2));
        var mine = new[] { 1f, 2, 3, 4, 5, 6 };
        a.grad = torch.tensor(mine, [2, 3]);
        b.grad = torch.tensor(new[] { -1f, 0, 1, 2 });
        // The partner: header (has a, b, c; not d; loss 3.0), then buckets of at most 7 floats: [a], [b, c].
        double[] partnerA = [10, 20, 30, 40, 50, 60], partnerB = [1, 1, 1, 1], partnerC = [6, 8, 10];
        var group = new TwoRanks(new Queue<double[]>([[1, 1, 1, 0, 3.0], partnerA, [.. partnerB, .. partnerC]]));
        double loss = new GradientAverager(group, bucketBytes: 7 * sizeof(float)).Average([a, b, c, d], localValue: 1.0);

        Assert.Equal(2.0, loss);                                                   // (1 + 3) / 2
        Assert.Equal([5, 6, 7], group.Lengths);
        Assert.Equal([5.5f, 11, 16.5f, 22, 27.5f, 33], a.grad!.data<float>().ToArray());
        Assert.Equal([2L, 3L], a.grad!.shape);
        Assert.Equal([0f, 0.5f, 1, 1.5f], b.grad!.data<float>().ToArray());
        Assert.Equal([3f, 4, 5], c.grad!.data<float>().ToArray());               // (0 + partner) / 2
        Assert.Null(d.grad);
    }

    [Fact]
    public void OneRankLeavesGradientsAlone()
    {
        var a = new Parameter(torch.zeros(3));
        a.grad = torch.tensor(new[] { 1f, 2, 3 });
        var averager = new GradientAverager(SingleProcessGroup.Instance);
        Assert.Equal(4.5, averager.Average([a], 4.5));
        Assert.Equal(0, averager.LastAllreduceCount);
        Assert.Equal([1f, 2, 3], a.grad!.data<float>().ToArray());
    }
}
