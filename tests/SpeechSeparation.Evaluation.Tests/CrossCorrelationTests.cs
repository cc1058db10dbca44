namespace SpeechSeparation.Evaluation.Tests;

public class CrossCorrelationTests
{
    [Theory]
    [InlineData(100, 7, 30)]
    [InlineData(5000, 512, 4900)]
    public void DirectSumsFollowTheDefinition(int n, int maxLag, int m)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var y = Enumerable.Range(0, m).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var b = new double[2 * maxLag + 1];
        CrossCorrelation.Direct(x, y, maxLag, b);
        for (int lag = -maxLag; lag <= maxLag; lag++)
        {
            double s = 0;
            for (int u = 0; u < n; u++) if (u + lag >= 0 && u + lag < m) s += x[u] * y[u + lag];
            Assert.Equal(s, b[lag + maxLag], 9);
        }
    }
}

public class BlockedCorrelationTests
{
    [Theory]
    [InlineData(100, 7)]       // one block
    [InlineData(5000, 3)]      // many short blocks, a partial last block
    [InlineData(30001, 511)]   // BSS Eval's lag range, several 8192-point blocks
    [InlineData(16384, 0)]     // lag 0 only
    public void BlockedCorrelationEqualsDirectSums(int n, int maxLag)
    {
        var rng = new Random(n + maxLag);
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var engine = new BlockedCorrelation(n, maxLag);
        var a = new double[2 * maxLag + 1];
        var b = new double[2 * maxLag + 1];
        engine.Correlate(engine.BlockSpectra(x), engine.SegmentSpectra(y), a);
        CrossCorrelation.Direct(x, y, maxLag, b);
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 9);
        // Auto-correlation: symmetric and equal to the direct sums as well.
        engine.Correlate(engine.BlockSpectra(x), engine.SegmentSpectra(x), a);
        CrossCorrelation.Direct(x, x, maxLag, b);
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 9);
    }

    [Fact]
    public void ConjugateProductKernelMatchesScalar()
    {
        var rng = new Random(5);
        var a = Enumerable.Range(0, 38).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var b = Enumerable.Range(0, 38).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var acc = Enumerable.Range(0, 38).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var expected = (double[])acc.Clone();
        for (int k = 0; k < 38; k += 2)
        {
            expected[k] += a[k] * b[k] + a[k + 1] * b[k + 1];
            expected[k + 1] += a[k] * b[k + 1] - a[k + 1] * b[k];
        }
        BlockedCorrelation.MultiplyConjugateAdd(a, b, acc);
        for (int k = 0; k < 38; k++) Assert.Equal(expected[k], acc[k], 14);
    }
}
