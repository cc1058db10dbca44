using SpeechSeparation.Tensors;

namespace SpeechSeparation.Tests;

/// <summary>
/// Knows the true sources and returns, for the k-th window it is called with, the sources under that window in a
/// random order — what a real separator's arbitrary output order looks like to the stitching.
/// </summary>
internal sealed class OracleNetwork(float[][] sources, int hop, int seed, int sampleRate = 8000) : ISeparationNetwork
{
    private readonly Random _rng = new(seed);
    private long _window;

    public string Architecture => "oracle";
    public int SampleRate => sampleRate;
    public IReadOnlyList<string> SourceNames { get; } = Enumerable.Range(1, sources.Length).Select(i => $"speaker{i}").ToArray();
    public long ParameterCount => 0;
    public Device Device => torch.CPU;
    public int Calls { get; private set; }

    public Tensor Separate(Tensor mixtures)
    {
        Calls++;
        long b = mixtures.size(0), t = mixtures.size(1);
        int S = sources.Length;
        var result = new float[b * S * t];
        for (long w = 0; w < b; w++, _window++)
        {
            long start = _window * hop;
            var order = Enumerable.Range(0, S).ToArray();
            _rng.Shuffle(order);
            for (int s = 0; s < S; s++)
                for (long i = 0; i < t && start + i < sources[0].Length; i++)
                    result[(w * S + s) * t + i] = sources[order[s]][start + i];
        }
        return torch.tensor(result, [b, S, t]);
    }

    public void Dispose() { }
}

/// <summary>A fixed linear "separator": source s = gain[s] · mixture (any rate, any length).</summary>
internal sealed class SplitNetwork(int sampleRate, params float[] gains) : ISeparationNetwork
{
    public string Architecture => "split";
    public int SampleRate => sampleRate;
    public IReadOnlyList<string> SourceNames { get; } = Enumerable.Range(1, gains.Length).Select(i => $"speaker{i}").ToArray();
    public long ParameterCount => 0;
    public Device Device => torch.CPU;

    public Tensor Separate(Tensor mixtures)
    {
        using var scope = torch.NewDisposeScope();
        var parts = gains.Select(g => mixtures.Mul(g)).ToArray();
        return torch.stack(parts, 1).MoveToOuterDisposeScope();          // [B, S, T]
    }

    public void Dispose() { }
}
