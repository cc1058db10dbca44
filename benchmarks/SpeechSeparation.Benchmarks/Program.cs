using BenchmarkDotNet.Running;

namespace SpeechSeparation.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suites: <c>dotnet run -c Release --project benchmarks/SpeechSeparation.Benchmarks -- --filter '*Stft*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
