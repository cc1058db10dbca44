using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SpeechSeparation.Families;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep bench (--model PATH | --arch NAME [--config JSON]) [--seconds S] [--runs N] [--threads N] [--device D]
/// [--precision fp32|bf16] [--batch-size B] [--json]</c>: real-time factor (processing time ÷ audio duration) of one forward pass on this machine,
/// median of N runs after a warm-up. Without --model, the architecture is built with random weights (the published
/// weights are not bundled); with <c>--precision bf16</c> it is then run as <see cref="Separator.Load(string, SeparatorOptions?)"/> would run it.
/// </summary>
public sealed class BenchCommand : CliCommand
{
    /// <inheritdoc />
    public override string Name => "bench";

    /// <inheritdoc />
    public override string Summary => "real-time factor of a model on this machine (median of N forward passes)";

    private readonly Option<string> _model = CommonOptions.Model("Model to time (package/folder/checkpoint or 'default'); or give --arch for random weights.");
    private readonly Option<string> _arch = CommonOptions.Arch();
    private readonly Option<string> _config = CommonOptions.Config();
    private readonly Option<double> _seconds = new("--seconds") { Description = "Audio length per forward pass.", DefaultValueFactory = _ => 4.0 };
    private readonly Option<int> _runs = new("--runs") { Description = "Timed runs after one warm-up (the median is reported).", DefaultValueFactory = _ => 3 };
    private readonly Option<int?> _threads = CommonOptions.Threads();
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<string> _precision = CommonOptions.Precision();
    private readonly Option<int> _batch = new("--batch-size") { Description = "Mixtures per forward pass.", DefaultValueFactory = _ => 1 };
    private readonly Option<bool> _json = CommonOptions.Json();

    /// <inheritdoc />
    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _model, _arch, _config, _seconds, _runs, _threads, _device, _precision, _batch, _json }) command.Options.Add(o);
    }

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string? model = parse.GetValue(_model), arch = parse.GetValue(_arch), config = parse.GetValue(_config);
        double seconds = parse.GetValue(_seconds);
        int runs = parse.GetValue(_runs), batch = parse.GetValue(_batch);
        var device = CommonOptions.ParseDevice(parse.GetValue(_device)!);
        var precision = CommonOptions.ParsePrecision(parse.GetValue(_precision)!);
        if (model is null && arch is null) throw new UsageException("Give --model PATH or --arch NAME.");
        if (runs < 1 || seconds <= 0 || batch < 1) throw new UsageException("--runs, --seconds and --batch-size must be positive.");
        if (parse.GetValue(_threads) is { } threads) torch.set_num_threads(threads);

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
            torch.nn.Module module = ModelFamilies.Get(arch!).CreateModule(doc.RootElement);
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
                ct.ThrowIfCancellationRequested();
                var x = torch.randn(batch, n).Mul(0.1).to(device);
                var clock = Stopwatch.StartNew();
                forward(x);
                torch.cuda.synchronize();
                if (k > 0) times.Add(clock.Elapsed.TotalSeconds);      // run 0 is the warm-up
            }
            times.Sort();
            double median = times[times.Count / 2];
            string prec = precision == Precision.Float32 ? "float32" : "bfloat16";
            if (parse.GetValue(_json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    architecture = name, parameters, seconds, sample_rate = rate, batch_size = batch, device = device.ToString(), threads = torch.get_num_threads(),
                    precision = prec, libtorch = torch.__version__, omp_wait_policy = OpenMpWaitPolicy.Current, heap_policy = NativeHeap.Policy == HeapPolicy.LowMemory ? "low-memory" : "system", runs, median_seconds = median, real_time_factor = median / (seconds * batch), times,
                }, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            stdout.WriteLine($"{name}: {parameters:N0} parameters, {batch} × {seconds:0.##} s at {rate} Hz on {device}, {torch.get_num_threads()} threads, {prec}");
            stdout.WriteLine($"libtorch {torch.__version__} (TorchSharp); heap {(NativeHeap.Policy == HeapPolicy.LowMemory ? "low-memory (mmap above 128 KiB)" : "glibc default (SPEECHSEP_MALLOC=low-memory for the lowest peak memory)")}; " +
                $"OpenMP wait policy {OpenMpWaitPolicy.Current ?? "default"}{(OpenMpWaitPolicy.SetByLibrary ? " (set by the library; OMP_WAIT_POLICY=ACTIVE to spin)" : "")}");
            stdout.WriteLine($"median {median:F3} s over {runs} runs → real-time factor {median / (seconds * batch):F3} ({seconds * batch / median:F1}× real time)");
        }
        return 0;
    }
}
