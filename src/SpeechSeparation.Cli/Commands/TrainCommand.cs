using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Training;
using SpeechSeparation.Training.Data;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep train --recipe FILE.json</c>: trains (or fine-tunes) a separator from a JSON recipe and exports the best
/// weights as a library package (<c>OUTPUT/model</c>) that <c>Separator.Load</c> and <c>speechsep separate</c> read.
/// Recipes are documented in docs/training.md; a run resumes from its output folder's checkpoints.
/// </summary>
public sealed class TrainCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "train";

    /// <inheritdoc />
    public string Summary => "train or fine-tune a separator from a JSON recipe (resumable; exports a model package)";

    /// <summary>Builds the module of a trainable architecture and its estimate function (mixtures [B, T] → [B, T, S]).</summary>
    public static (Module Model, Func<Tensor, Tensor> Estimate, int Sources) CreateTrainable(string architecture, JsonElement config)
    {
        int Int(string n, int d) => config.ValueKind == JsonValueKind.Object && config.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : d;
        switch (architecture)
        {
            case "sb_simpleseparator":
            {
                var m = new SimpleSeparator(new SimpleSeparatorConfig(Int("fft_size", 256), Int("hidden_size", 128), Int("num_sources", 2)));
                return (m, x => PadTo(m.Forward(x).Sources.permute(1, 2, 0), x.size(1)), m.Config.NumSources);
            }
            case "mossformer":
            {
                var m = new MossFormerSeparator(MossFormerConfig.FromJson(config));
                return (m, x => m.Forward(x), m.Config.NumSpks);
            }
            case "mossformer2":
            {
                var m = new MossFormer2Separator(MossFormer2Config.FromJson(config));
                return (m, x => m.Forward(x), m.Config.NumSpks);
            }
            default:
                throw new NotSupportedException($"Training supports sb_simpleseparator, mossformer and mossformer2, not '{architecture}'.");
        }
    }

    private static Tensor PadTo(Tensor est, long length)
    {
        long pad = length - est.size(1);
        return pad > 0 ? torch.nn.functional.pad(est, [0, 0, 0, pad]) : pad < 0 ? est.narrow(1, 0, length) : est;
    }

    private static IExampleSource DataSource(JsonElement d, int rate, string what)
    {
        string type = d.GetProperty("type").GetString() ?? "";
        int segment = (int)(d.TryGetProperty("segment_seconds", out var s) ? s.GetDouble() * rate : 4 * rate);
        return type switch
        {
            "dynamic_mixing" => new DynamicMixingDataset(SpeakerFolders(d, what), rate, segment,
                d.TryGetProperty("num_sources", out var ns) ? ns.GetInt32() : 2,
                d.TryGetProperty("examples_per_epoch", out var ex) ? ex.GetInt32() : 1000,
                gainDb: Range(d, "gain_db"), speedPerturb: Range(d, "speed_perturb")),
            "folders" => new MixtureFolderDataset(d.GetProperty("root").GetString()!, rate, segment),
            _ => throw new ArgumentException($"{what}: unknown data type '{type}' (dynamic_mixing, folders)."),
        };
    }

    /// <summary>An optional <c>[min, max]</c> pair.</summary>
    private static (double, double)? Range(JsonElement d, string name) =>
        d.TryGetProperty(name, out var r) ? (r[0].GetDouble(), r[1].GetDouble()) : null;

    /// <summary>The speaker folders of a dynamic-mixing source: <c>speakers</c> (a list of folders) and/or <c>speakers_dir</c>
    /// (a folder whose sub-folders are the speakers).</summary>
    private static List<string> SpeakerFolders(JsonElement d, string what)
    {
        var folders = new List<string>();
        if (d.TryGetProperty("speakers", out var list)) folders.AddRange(list.EnumerateArray().Select(e => e.GetString()!));
        if (d.TryGetProperty("speakers_dir", out var dir))
        {
            var root = dir.GetString()!;
            if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{what}: speakers_dir '{root}' does not exist.");
            folders.AddRange(Directory.GetDirectories(root).Order(StringComparer.Ordinal));
        }
        if (folders.Count == 0) throw new ArgumentException($"{what}: dynamic_mixing needs 'speakers' (folders) or 'speakers_dir'.");
        return folders;
    }

    /// <summary>Loads initial weights from a package folder, a ModelScope folder or a checkpoint file.</summary>
    private static IReadOnlyDictionary<string, HostTensor> InitialWeights(string path)
    {
        if (File.Exists(Path.Combine(path, ModelPackage.MetadataFile))) return SafeTensors.Load(Path.Combine(path, ModelPackage.WeightsFile));
        if (File.Exists(Path.Combine(path, "masknet.bin")))
            return StateDict.LoadMany([(Path.Combine(path, "encoder.bin"), "encoder."), (Path.Combine(path, "decoder.bin"), "decoder."), (Path.Combine(path, "masknet.bin"), "mask_net.")]);
        if (File.Exists(Path.Combine(path, "pytorch_model.bin"))) return StateDict.Load(Path.Combine(path, "pytorch_model.bin"));
        return path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafeTensors.Load(path) : StateDict.Load(path);
    }

    /// <inheritdoc />
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        bool exportOnly = args.Length == 3 && args[2] == "--export-only";
        if ((args.Length != 2 && !exportOnly) || args[0] != "--recipe")
        {
            stderr.WriteLine("usage: speechsep train --recipe FILE.json [--export-only]   (see docs/training.md)");
            stderr.WriteLine("       --export-only: write OUTPUT/model from the run's best (or latest) checkpoint without training");
            return 2;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(args[1]));
        var r = doc.RootElement;
        string arch = r.GetProperty("architecture").GetString()!;
        var config = r.TryGetProperty("config", out var c) ? c : default;
        int rate = r.TryGetProperty("sample_rate", out var sr) ? sr.GetInt32() : 8000;
        string output = r.GetProperty("output").GetString()!;
        int batch = r.TryGetProperty("batch_size", out var bs) ? bs.GetInt32() : 4;
        int seed = r.TryGetProperty("seed", out var sd) ? sd.GetInt32() : 1;
        int workers = r.TryGetProperty("workers", out var wk) ? wk.GetInt32() : 2;

        if (r.TryGetProperty("threads", out var th)) torch.set_num_threads(th.GetInt32());
        torch.manual_seed((ulong)seed);
        var (model, estimate, sources) = CreateTrainable(arch, config);
        using var _ = model;
        if (r.TryGetProperty("init_from", out var init) && init.GetString() is { } initPath)
        {
            model.LoadStateDict(InitialWeights(initPath), strict: true);
            stdout.WriteLine($"fine-tuning from {initPath}");
        }
        if (exportOnly) return Export(model, arch, rate, config, output, Path.Combine(output, "checkpoints"), sources, stdout);
        var train = new DataLoader(DataSource(r.GetProperty("train"), rate, "train"), batch, seed, workers: workers);
        var valid = r.TryGetProperty("valid", out var v) ? new DataLoader(DataSource(v, rate, "valid"), batch, seed + 1, shuffle: false, workers: workers, dropLast: false) : null;
        var adam = new Adam(model.Parameters(), lr: r.TryGetProperty("lr", out var lr) ? lr.GetDouble() : 1.5e-4);
        var plateau = new ReduceLROnPlateau(adam, PlateauMode.Min, factor: 0.5, patience: 2);
        var options = new TrainerOptions
        {
            Epochs = r.TryGetProperty("epochs", out var ep) ? ep.GetInt32() : 10,
            ClipNorm = r.TryGetProperty("clip_norm", out var cn) ? cn.GetDouble() : 5,
            EarlyStoppingPatience = r.TryGetProperty("early_stopping", out var es) ? es.GetInt32() : 10,
            CheckpointDirectory = Path.Combine(output, "checkpoints"),
            Seed = (ulong)seed,
        };
        var trainer = new SeparationTrainer(model, estimate, adam, plateau, options, new LineLogger(stdout));
        var progress = new ConsoleProgress(stderr, "train", enabled: true);
        trainer.Fit(train, valid, new Progress<TrainingProgress>(p => progress.Report((double)p.Step / Math.Max(1, p.StepsPerEpoch))));
        progress.Done();

        return Export(model, arch, rate, config, output, options.CheckpointDirectory, sources, stdout);
    }

    /// <summary>Exports the best epoch (or the last when there was no validation) as a package under OUTPUT/model.</summary>
    private static int Export(Module model, string arch, int rate, JsonElement config, string output, string checkpoints, int sources, TextWriter stdout)
    {
        var manager = new CheckpointManager(checkpoints);
        var best = File.Exists(manager.BestPath) ? TrainingCheckpoint.Load(manager.BestPath) : manager.LoadLatest();
        if (best is null) throw new FileNotFoundException($"No checkpoint under '{checkpoints}' to export.");
        model.LoadStateDict(best.Model);
        var packageDir = Path.Combine(output, "model");
        var cfg = config.ValueKind == JsonValueKind.Object ? JsonNode.Parse(config.GetRawText())!.AsObject() : new JsonObject();
        ModelPackage.Save(packageDir, arch, rate, cfg, model);
        stdout.WriteLine($"model package: {packageDir} ({sources} sources, {model.ParameterCount():N0} parameters, epoch {best.Epoch})");
        return 0;
    }

    /// <summary>Writes log lines to a text writer.</summary>
    private sealed class LineLogger(TextWriter w) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) w.WriteLine(formatter(state, exception));
        }
    }
}
