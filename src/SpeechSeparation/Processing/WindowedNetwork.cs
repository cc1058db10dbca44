using Microsoft.Extensions.Logging;
using SpeechSeparation.LongAudio;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Processing;

/// <summary>
/// A network run over long audio: resampling to the network's rate and back, windows of
/// <see cref="SeparatorOptions.WindowSeconds"/> with overlap, batched <see cref="SeparatorOptions.BatchSize"/> at a time,
/// stitched with speaker-order alignment (<see cref="OverlapAddStitcher"/>).
/// </summary>
internal sealed class WindowedNetwork(ISeparationNetwork network, SeparatorOptions options, ILogger logger)
{
    public ISeparationNetwork Network { get; } = network;

    public int SampleRate => Network.SampleRate;

    public int NumSources => Network.SourceNames.Count;

    public int WindowSamples => Math.Max(2, (int)Math.Round(options.WindowSeconds * SampleRate));

    public int OverlapSamples => Math.Min(WindowSamples / 2, (int)Math.Round(options.OverlapSeconds * SampleRate));

    /// <summary>A stitcher over this network's windows.</summary>
    public OverlapAddStitcher CreateStitcher() =>
        new(NumSources, WindowSamples, OverlapSamples, Run, options.BatchSize, Network.OutputOrderIsArbitrary);

    /// <summary>Separates one mono signal at any rate; returns one array per source at the input rate and length.</summary>
    public float[][] SeparateMono(float[] samples, int rate, IProgress<double>? progress, CancellationToken ct)
    {
        var atModelRate = rate == SampleRate ? samples : Resampler.Create(rate, SampleRate).Process(samples);
        var stitcher = CreateStitcher();
        logger.LogDebug("Separating {Seconds:F1} s in windows of {Window} samples with {Overlap} overlap", samples.Length / (double)rate, stitcher.Window, stitcher.Overlap);
        var est = stitcher.Process(atModelRate, progress, ct);
        if (rate == SampleRate) return est;
        var back = Resampler.Create(SampleRate, rate);
        return est.Select(e => FitLength(back.Process(e), samples.Length)).ToArray();
    }

    private static float[] FitLength(float[] x, int n)
    {
        if (x.Length == n) return x;
        var r = new float[n];
        Array.Copy(x, r, Math.Min(n, x.Length));
        return r;
    }

    /// <summary>Runs a batch of windows through the network: [B, W] → per window, S arrays of W samples.</summary>
    public IReadOnlyList<float[][]> Run(IReadOnlyList<float[]> windows)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        int len = windows[0].Length, sources = NumSources;
        var flat = new float[windows.Count * len];
        for (int b = 0; b < windows.Count; b++) windows[b].CopyTo(flat, b * len);
        var x = torch.tensor(flat, [windows.Count, len], device: Network.Device);
        var y = Network.Separate(x);                                   // [B, S, T]
        var shape = y.shape;
        if (shape.Length != 3 || shape[0] != windows.Count || shape[1] != sources || shape[2] != len)
            throw new InvalidOperationException($"{Network.Architecture} returned [{string.Join(", ", shape)}] for input [{windows.Count}, {len}]; expected [{windows.Count}, {sources}, {len}].");
        var values = y.ToFloatArray();
        var result = new float[windows.Count][][];
        for (int b = 0; b < windows.Count; b++)
        {
            result[b] = new float[sources][];
            for (int s = 0; s < sources; s++)
                result[b][s] = values.AsSpan((b * sources + s) * len, len).ToArray();
        }
        return result;
    }
}
