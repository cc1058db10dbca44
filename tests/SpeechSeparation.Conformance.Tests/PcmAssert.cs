namespace SpeechSeparation.Conformance.Tests;

/// <summary>Comparisons of quantised audio written by two runs of a model.</summary>
internal static class PcmAssert
{
    /// <summary>
    /// Requires two renderings of the same output at <paramref name="bits"/> bits to be the same samples: equal length,
    /// at least 99 % of the samples identical, none more than one quantisation step apart. Two forward passes may round
    /// differently in the last float bit (libtorch's reductions depend on the thread count, which tests running in
    /// parallel in this process may change), which moves a sample that lies on a rounding boundary by one step. A
    /// lossy or mis-scaled encoding fails: it changes most samples or moves them by more.
    /// </summary>
    public static void SameSamples(float[] expected, float[] actual, int bits = 16)
    {
        Assert.Equal(expected.Length, actual.Length);
        double step = 1.0 / (1 << (bits - 1));
        int differing = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            Assert.True(d <= step * 1.001, $"sample {i}: {expected[i]} against {actual[i]} ({d / step:F2} quantisation steps)");
            if (d != 0) differing++;
        }
        Assert.True(differing <= expected.Length / 100, $"{differing} of {expected.Length} samples differ");
    }
}
