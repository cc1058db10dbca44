namespace SpeechSeparation.Evaluation.Tests;

public class PermutationSearchTests
{
    [Theory]
    [InlineData(2, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(7, 4)]
    public void HungarianFindsTheExhaustiveOptimum(int n, int seed)
    {
        var rng = new Random(seed);
        for (int trial = 0; trial < 20; trial++)
        {
            var m = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() * 40 - 20).ToArray();
            foreach (var obj in new[] { PermutationObjective.Minimize, PermutationObjective.Maximize })
            {
                var ex = PermutationSearch.Exhaustive(m, n, obj);
                var hu = PermutationSearch.Hungarian(m, n, obj);
                Assert.Equal(PermutationSearch.MeanOf(m, n, ex), PermutationSearch.MeanOf(m, n, hu), 10);
                Assert.Equal(ex, hu); // random reals: the optimum is unique
            }
        }
    }

    [Fact]
    public void ExhaustiveKeepsTheFirstOptimumInLexicographicOrder()
    {
        // All permutations tie: the identity (first in itertools order) is kept.
        var m = new double[9];
        Assert.Equal(new[] { 0, 1, 2 }, PermutationSearch.Exhaustive(m, 3, PermutationObjective.Maximize));
        // The two derangements [1,2,0] and [2,0,1] tie for the best mean; the first in itertools order wins.
        var t = new double[] { 0, 5, 5, 5, 0, 5, 5, 5, 0 };
        var best = PermutationSearch.Exhaustive(t, 3, PermutationObjective.Maximize);
        Assert.Equal(new[] { 1, 2, 0 }, best);
    }

    [Fact]
    public void InverseIsConsistent()
    {
        var p = new[] { 2, 0, 3, 1 };
        var inv = PermutationSearch.Invert(p);
        for (int i = 0; i < p.Length; i++) Assert.Equal(i, inv[p[i]]);
    }
}
