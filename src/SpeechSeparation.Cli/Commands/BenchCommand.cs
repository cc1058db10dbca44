using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep bench (--model PATH | --arch NAME [--config JSON]) [--seconds S] [--runs N] [--threads N] [--device D]
/// [--precision fp32|bf16]</c>: real-time factor (processing time ÷ audio duration) of one forward pass on this machine,
/// median of N runs after a warm-up. Without --model, the architecture is built with random weights (the published
/// weights are not bundled); with <c>--precision bf16</c> it is then run as <see cref="Separator.Load(string, SeparatorOptions?)"/> would run it.
/// </summary>
public sealed class BenchCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "bench";

    /// <inheritdoc />
    public string Summary => "real-time factor of a model on this machine (median of N forward passes)";

    /// <inheritdoc />
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? model = null, arch = null, config = null;
        double seconds = 4;
        int runs = 3;
        var device = torch.CPU;
        var precision = Precision.Float32;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--model": model = Next(); break;
                    case "--arch": arch = Next(); break;
                    case "--config": config = Next(); break;
                    case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--threads": torch.set_num_threads(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                    case "--device": device = torch.device(Next()); break;
                    case "--precision": precision = SeparateCommand.ParsePrecision(Next()); break;
                    default: throw new ArgumentException($"Unknown argument {args[i]}.");
                }
            }
            if (model is null && arch is null) throw new ArgumentException("Give --model PATH or --arch NAME.");
            if (runs < 1 || seconds <= 0) throw new ArgumentException("--runs and --seconds must be positive.");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            stderr.WriteLine($"bench: {e.Message}");
            stderr.WriteLine("usage: speechsep bench (--model PATH | --arch NAME [--config JSON]) [--seconds S] [--runs N] [--threads N] [--device D] [--precision fp32|bf16]");
            return 2;
        }

        Func<Tensor, Tensor> forward;
        int rate;
        string name;
        long parameters;
        IDisposable owner;
        if (model is not null)
        {
            var net = ModelPackage.LoadNetwork(model, new SeparatorOptions { Architecture = arch, ConfigJson = config, Device = device, Precision = precision });
            (forward, rate, name, parameters, owner) = (net.Separate, net.SampleRate, net.Architecture, net.ParameterCount, net);
        }
        else
        {
            // Random weights through the architecture's own network (as Separator.Load builds it: its sample rate, its
            // precision); a "sample_rate" in the config overrides the architecture's default rate.
            using var doc = JsonDocument.Parse(config ?? "{}");
            // MossFormer2_SE_48K is not trainable here; its network is built directly.
            torch.nn.Module module = arch!.Equals("mossformer2_se", StringComparison.OrdinalIgnoreCase) || arch.Equals("MossFormer2_SE_48K", StringComparison.OrdinalIgnoreCase)
                ? new MossFormer2Se(MossFormer2SeConfig.FromJson(doc.RootElement))
                : TrainCommand.CreateTrainable(arch, doc.RootElement.Clone()).Model;
            int? r = doc.RootElement.TryGetProperty("sample_rate", out var sr) ? sr.GetInt32() : null;
            ISeparationNetwork net;
            using (module)
                net = Architectures.Create(new NetworkSpec(arch!, doc.RootElement.Clone(), module.StateDictToHost(), r, device) { Precision = precision });
            (forward, rate, name, parameters, owner) = (net.Separate, net.SampleRate, net.Architecture, net.ParameterCount, net);
        }
        using (owner)
        {
            int n = (int)(seconds * rate);
            torch.manual_seed(0);
            var times = new List<double>();
            for (int k = 0; k <= runs; k++)
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.inference_mode();
                var x = (torch.randn(1, n) * 0.1).to(device);
                var clock = Stopwatch.StartNew();
                forward(x);
                torch.cuda.synchronize();
                if (k > 0) times.Add(clock.Elapsed.TotalSeconds);      // run 0 is the warm-up
            }
            times.Sort();
            double median = times[times.Count / 2];
            stdout.WriteLine($"{name}: {parameters:N0} parameters, {seconds:0.##} s at {rate} Hz on {device}, {torch.get_num_threads()} threads, {(precision == Precision.Float32 ? "float32" : "bfloat16")}");
            stdout.WriteLine($"libtorch {torch.__version__} (TorchSharp); malloc mmap threshold {(NativeHeap.Tuned ? "4 MiB" : "glibc default")} (SPEECHSEP_MALLOC=system to opt out)");
            stdout.WriteLine($"median {median:F3} s over {runs} runs → real-time factor {median / seconds:F3} ({seconds / median:F1}× real time)");
        }
        return 0;
    }
}
