using BenchmarkDotNet.Attributes;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Benchmarks.Signal;

/// <summary>Reading and writing a 10-minute 16 kHz mono WAV file (9.6 M samples) in blocks of 16 384 frames.</summary>
[MemoryDiagnoser]
public class WavBenchmarks
{
    private float[] _x = [];
    private readonly float[] _block = new float[16384];
    private string _path = "";

    [Params(WavSampleFormat.Pcm16, WavSampleFormat.Float32)]
    public WavSampleFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = SignalBenchmarkData.Audio(600, 16000);
        _path = Path.Combine(Path.GetTempPath(), $"bench_{Guid.NewGuid():N}.wav");
        Wav.Write(_path, AudioBuffer.FromMono(_x, 16000), Format);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark]
    public long ReadStreaming()
    {
        using var r = new WavReader(_path);
        long total = 0;
        int n;
        while ((n = r.Read(_block)) > 0) total += n;
        return total;
    }

    [Benchmark]
    public int ReadAll() => Wav.Read(_path).Frames;

    [Benchmark]
    public void Write()
    {
        var path = _path + ".out.wav";
        using (var w = new WavWriter(path, new WavFormat(Format, 1, 16000)))
        {
            for (int s = 0; s < _x.Length; s += _block.Length) w.Write(_x.AsSpan(s, Math.Min(_block.Length, _x.Length - s)));
            w.Complete();
        }
        File.Delete(path);
    }
}
