using BenchmarkDotNet.Attributes;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Benchmarks.Signal;

/// <summary>STFT and iSTFT of 60 s at 16 kHz (float, Hann, centred); samples/s = 960 000 / time.</summary>
[MemoryDiagnoser]
public class StftBenchmarks
{
    private float[] _x = [], _re = [], _im = [], _y = [];
    private Stft _stft = null!;
    private int _frames;

    [Params("512/128", "1024/256")]
    public string Config { get; set; } = "512/128";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Config.Split('/');
        int n = int.Parse(parts[0]), hop = int.Parse(parts[1]);
        _x = SignalBenchmarkData.Audio(60, 16000);
        _stft = new Stft(n, hop, n, Window.Hann(n));
        _frames = _stft.FrameCount(_x.Length);
        _re = new float[_stft.Bins * _frames];
        _im = new float[_stft.Bins * _frames];
        _y = new float[_x.Length];
    }

    [Benchmark]
    public void Forward() => _stft.Forward(_x, _re, _im);

    [Benchmark]
    public void Inverse() => _stft.Inverse(_re, _im, _frames, _y);
}
