namespace SpeechSeparation.Evaluation.Tests;

public class CrossCorrelationTests
{
    [Theory]
    [InlineData(100, 7, 30)]
    [InlineData(5000, 512, 4900)]
    public void FftCorrelationEqualsDirectSums(int n, int maxLag, int m)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var y = Enumerable.Range(0, m).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var engine = new CrossCorrelation(Math.Max(n, m), maxLag + 1);
        var a = new double[2 * maxLag + 1];
        var b = new double[2 * maxLag + 1];
        engine.Correlate(engine.Spectrum(x), engine.Spectrum(y), maxLag, a);
        CrossCorrelation.Direct(x, y, maxLag, b);
        // Definition check on a few lags.
        foreach (int lag in new[] { -maxLag, -1, 0, 1, maxLag })
        {
            double s = 0;
            for (int u = 0; u < n; u++) if (u + lag >= 0 && u + lag < m) s += x[u] * y[u + lag];
            Assert.Equal(s, b[lag + maxLag], 9);
        }
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 9);
    }
}
