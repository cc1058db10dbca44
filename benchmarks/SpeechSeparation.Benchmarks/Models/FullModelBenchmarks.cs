using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using FrcrnModel = SpeechSeparation.Models.Frcrn.Frcrn;

namespace SpeechSeparation.Benchmarks.Models;

/// <summary>
/// One forward pass of each full published model on CPU (issues #4 and #5): MossFormer and MossFormer2 on 8 kHz, FRCRN
/// on 16 kHz, ClearerVoice MossFormer2_SE_48K on 48 kHz (signal path included), 4 s and 16 s of audio, batch 1, 2 intra-op threads, inference mode. The weights are random (the published
/// files are not redistributed); the configuration, and so the work, is the published one. Extra columns: real-time
/// factor (mean time ÷ audio duration) and the benchmark process's peak resident memory.
/// <c>dotnet run -c Release --project benchmarks/SpeechSeparation.Benchmarks -- --filter '*FullModel*'</c>
/// </summary>
[Config(typeof(FullModelConfig))]
public class FullModelBenchmarks
{
    /// <summary>Models in their published configurations.</summary>
    public enum PublishedModel { MossFormer8k, MossFormer2_8k, Frcrn16k, MossFormer2Se48k }

    [Params(PublishedModel.MossFormer8k, PublishedModel.MossFormer2_8k, PublishedModel.Frcrn16k, PublishedModel.MossFormer2Se48k)]
    public PublishedModel Model { get; set; }

    [Params(4, 16)]
    public int Seconds { get; set; }

    private torch.nn.Module? _module;
    private Func<Tensor, Tensor>? _forward;
    private Tensor? _input;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(FullModelConfig.Threads);
        torch.manual_seed(0);
        int rate;
        switch (Model)
        {
            case PublishedModel.MossFormer8k:
            {
                var m = new MossFormerSeparator(MossFormerConfig.ModelScope8k);
                (_module, _forward, rate) = (m, x => m.forward(x), 8000);
                break;
            }
            case PublishedModel.MossFormer2_8k:
            {
                var m = new MossFormer2Separator(MossFormer2Config.ModelScope8k);
                (_module, _forward, rate) = (m, x => m.forward(x), 8000);
                break;
            }
            case PublishedModel.MossFormer2Se48k:
            {
                // ClearerVoice MossFormer2_SE_48K: features, mask network and STFT masking, one pass
                var m = new MossFormer2Se();
                var se = new MossFormer2SeEnhancer(m);
                (_module, _forward, rate) = (m, x => se.Enhance(x), 48000);
                break;
            }
            default:
            {
                var m = new FrcrnModel(FrcrnConfig.Published);
                (_module, _forward, rate) = (m, x => m.Enhance(x), 16000);
                break;
            }
        }
        _module.eval();
        _input = torch.randn(1, (long)Seconds * rate) * 0.1;
    }

    [Benchmark]
    public void forward()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.inference_mode();
        _forward!(_input!);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        PeakMemoryColumn.Record($"{Model}-{Seconds}");
        _input?.Dispose();
        _module?.Dispose();
    }
}

/// <summary>Few iterations (each is seconds long), RTF and peak-memory columns.</summary>
public sealed class FullModelConfig : ManualConfig
{
    /// <summary>Intra-op threads of the comparison (the issues' PyTorch figures use 2).</summary>
    public static int Threads => int.TryParse(Environment.GetEnvironmentVariable("SPEECHSEP_BENCH_THREADS"), out var t) ? t : 2;

    public FullModelConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithInvocationCount(1).WithUnrollFactor(1));
        AddColumn(new RealTimeFactorColumn(), new PeakMemoryColumn());
    }
}

/// <summary>Real-time factor: mean time of one forward ÷ the audio's duration (the <c>Seconds</c> parameter).</summary>
public sealed class RealTimeFactorColumn() : DerivedColumn("RTF", "RTF", "Real-time factor: processing time / audio duration (< 1 is faster than real time)")
{
    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase)
    {
        var mean = MeanNanoseconds(summary, benchmarkCase);
        var seconds = benchmarkCase.Parameters["Seconds"] as int?;
        return mean is null || seconds is null ? null : (mean.Value / 1e9 / seconds.Value).ToString("F3", CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Peak resident memory (VmHWM) of the process that ran the benchmark case, which BenchmarkDotNet starts per case;
/// the case records it at cleanup into a temporary file that this column reads in the host process.
/// </summary>
public sealed class PeakMemoryColumn() : DerivedColumn("PeakRSS", "Peak RSS", "Peak resident memory of the benchmark process (VmHWM), model + activations + runtime", numeric: false, priority: 1)
{
    private static string PathOf(string key) => Path.Combine(Path.GetTempPath(), "speechsep-bench-rss", key + ".txt");

    /// <summary>Writes this process's peak resident set size under <paramref name="key"/>.</summary>
    public static void Record(string key)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        if (line is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(key))!);
        File.WriteAllText(PathOf(key), line.Split(':')[1].Trim());
    }

    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase)
    {
        var key = $"{benchmarkCase.Parameters["Model"]}-{benchmarkCase.Parameters["Seconds"]}";
        if (!File.Exists(PathOf(key))) return null;
        var kb = File.ReadAllText(PathOf(key)).Split(' ')[0];
        return long.TryParse(kb, out var k) ? $"{k / 1024.0 / 1024.0:F2} GB" : null;
    }
}
