namespace SpeechSeparation.Evaluation.Tests;

public class MetricInputTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(21)]
    public void WidenIsExactInTheVectorBodyAndTheTail(int n)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * 1e3f).ToArray();
        var d = new double[n];
        MetricInput.Widen(x, d);
        for (int i = 0; i < n; i++) Assert.Equal((double)x[i], d[i]);
        Assert.Equal(d, MetricInput.ToDouble(x));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(19)]
    public void SilenceIsFoundAnywhere(int n)
    {
        for (int at = -1; at < n; at++)
        {
            var f = new float[n];
            var d = new double[n];
            Array.Fill(f, -0f); Array.Fill(d, -0d); // negative zero is silence
            if (at >= 0) { f[at] = 1e-30f; d[at] = double.NaN; }
            Assert.Equal(at < 0, MetricInput.IsSilent(f));
            Assert.Equal(at < 0, MetricInput.IsSilent(d));
        }
    }
}
