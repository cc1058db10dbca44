using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Benchmarks.Tensors;

/// <summary>Floating-point operations of one benchmark invocation, for the GFLOP/s column.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FlopsAttribute(double flops) : Attribute
{
    public double Flops { get; } = flops;
}

/// <summary>GFLOP/s = FLOPs of the benchmark (from <see cref="FlopsAttribute"/>) / mean time.</summary>
public sealed class GflopsColumn() : DerivedColumn("GFLOPs", "GFLOP/s", "Floating-point operations per second (1e9), from the benchmark's FLOP count and mean time")
{
    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase)
    {
        var flops = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttributes(typeof(FlopsAttribute), false).OfType<FlopsAttribute>().FirstOrDefault()?.Flops;
        var mean = MeanNanoseconds(summary, benchmarkCase);
        return flops is null || mean is null or 0 ? null : (flops.Value / mean.Value).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Matmul and conv1d through the shim on the CPU (float32). FLOPs: matmul 2·N³; conv1d 2·B·C_out·L_out·C_in·K.
/// Run: <c>dotnet run -c Release --project benchmarks/SpeechSeparation.Benchmarks -- --filter '*TensorOp*'</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TensorOpBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }

    private Tensor _a = null!, _b = null!, _x = null!, _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.manual_seed(0);
        _a = torch.randn(512, 512).DetachFromDisposeScope();
        _b = torch.randn(512, 512).DetachFromDisposeScope();
        _x = torch.randn(1, 256, 8000).DetachFromDisposeScope();   // 1 s of 8 kHz features, 256 channels
        _w = torch.randn(256, 256, 3).DetachFromDisposeScope();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _a, _b, _x, _w }) t.Dispose();
    }

    [Benchmark]
    [Flops(2.0 * 512 * 512 * 512)]
    public void Matmul512()
    {
        using var r = _a.matmul(_b);
    }

    [Benchmark]
    [Flops(2.0 * 256 * 8000 * 256 * 3)]
    public void Conv1d256x8000k3()
    {
        using var r = F.conv1d(_x, _w, padding: 1);
    }
}
