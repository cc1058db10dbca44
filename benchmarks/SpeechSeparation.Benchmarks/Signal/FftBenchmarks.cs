using BenchmarkDotNet.Attributes;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Benchmarks.Signal;

/// <summary>Real FFT (float and double) of sizes 512…65536; one operation = one transform of <see cref="N"/> samples.</summary>
[MemoryDiagnoser]
public class RealFftBenchmarks
{
    private float[] _xf = [], _sf = [];
    private double[] _xd = [], _sd = [];
    private RealFftPlan<float> _pf = null!;
    private RealFftPlan<double> _pd = null!;

    [Params(512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _xf = SignalBenchmarkData.Audio(5, 16000)[..N];
        _xd = _xf.Select(v => (double)v).ToArray();
        _sf = new float[N + 2];
        _sd = new double[N + 2];
        _pf = RealFftPlan<float>.Get(N);
        _pd = RealFftPlan<double>.Get(N);
    }

    [Benchmark(Baseline = true)]
    public void Float() => _pf.Forward(_xf, _sf);

    [Benchmark]
    public void Double() => _pd.Forward(_xd, _sd);

    [Benchmark]
    public void FloatInverse() => _pf.Inverse(_sf, _xf);
}

/// <summary>Complex FFT of non-power-of-two sizes (mixed radix and Bluestein).</summary>
[MemoryDiagnoser]
public class ComplexFftBenchmarks
{
    private float[] _x = [], _y = [];
    private FftPlan<float> _p = null!;

    [Params(400, 441, 1000, 1021, 4800)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var a = SignalBenchmarkData.Audio(1, 16000);
        _x = a[..(2 * N)];
        _y = new float[2 * N];
        _p = FftPlan<float>.Get(N);
    }

    [Benchmark]
    public void Forward() => _p.Forward(_x, _y);
}
