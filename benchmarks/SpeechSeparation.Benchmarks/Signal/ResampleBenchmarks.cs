using BenchmarkDotNet.Attributes;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Benchmarks.Signal;

/// <summary>Resampling 60 s of audio (resample_poly design, float and double, and the torchaudio design).</summary>
[MemoryDiagnoser]
public class ResampleBenchmarks
{
    private float[] _xf = [], _yf = [];
    private double[] _xd = [], _yd = [];
    private Resampler _poly = null!, _torch = null!;

    [Params("48000->16000", "44100->16000", "16000->8000")]
    public string Rates { get; set; } = "48000->16000";

    [GlobalSetup]
    public void Setup()
    {
        var p = Rates.Split("->");
        int fin = int.Parse(p[0]), fout = int.Parse(p[1]);
        _xf = SignalBenchmarkData.Audio(60, fin);
        _xd = _xf.Select(v => (double)v).ToArray();
        _poly = Resampler.Create(fin, fout);
        _torch = Resampler.TorchAudio(fin, fout);
        _yf = new float[_poly.OutputLength(_xf.Length) + fout];
        _yd = new double[_yf.Length];
    }

    private static int Run<T>(Resampler r, T[] x, T[] y) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var s = r.CreateStream<T>();
        int n = s.Process(x, y);
        return n + s.Flush(y.AsSpan(n));
    }

    [Benchmark(Baseline = true)]
    public int PolyFloat() => Run(_poly, _xf, _yf);

    [Benchmark]
    public int PolyDouble() => Run(_poly, _xd, _yd);

    [Benchmark]
    public int TorchAudioFloat() => Run(_torch, _xf, _yf);
}
