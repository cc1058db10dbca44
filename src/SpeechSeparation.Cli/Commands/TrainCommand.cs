using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SpeechSeparation.Distributed.Mpi;
using SpeechSeparation.Families;
using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Training;
using SpeechSeparation.Training.Data;
using SpeechSeparation.Training.Distributed;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep train --recipe FILE.json</c>: trains (or fine-tunes) a separator from a JSON recipe and exports the best
/// weights as a library package (<c>OUTPUT/model</c>) that <c>Separator.Load</c> and <c>speechsep separate</c> read.
/// Recipes are documented in docs/training.md; a run resumes from its output folder's checkpoints.
/// </summary>
public sealed class TrainCommand : CliCommand
{
    /// <inheritdoc />
    public override string Name => "train";

    /// <inheritdoc />
    public override string Summary => "train or fine-tune a separator from a JSON recipe (resumable; exports a model package)";

    /// <summary>The architectures <c>speechsep train</c> builds (<see cref="ModelFamilies.Trainable"/>).</summary>
    public static IReadOnlyList<string> Architectures { get; } = [.. ModelFamilies.Trainable.Select(f => f.Name)];

    /// <summary>The data types a recipe's <c>train</c>/<c>valid</c> entry may name.</summary>
    public static IReadOnlyList<string> DataTypes { get; } = ["dynamic_mixing", "folders", "noisy_clean", "mir1k"];

    private static string RequiredString(JsonElement d, string key, string what) =>
        d.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s : throw new ArgumentException($"{what}: missing '{key}' (a string).");

    private static string ExistingFolder(JsonElement d, string key, string what)
    {
        var path = RequiredString(d, key, what);
        return Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"{what}: {key} folder '{path}' does not exist.");
    }

    private static IExampleSource DataSource(JsonElement d, int rate, string architecture, string what)
    {
        if (d.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{what}: expected an object with a 'type'.");
        string type = d.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() ?? "" : "";
        double? seconds = d.TryGetProperty("segment_seconds", out var s) ? s.GetDouble() : null;
        // The stacked hourglass trains on 64-frame patches (1024/256 STFT): 63 hops.
        int defaultSegment = architecture == "hourglass" ? (HourglassSeparator.PatchFrames - 1) * HourglassSeparator.HopLength * rate / HourglassSeparator.SampleRate : 4 * rate;
        int segment = seconds is { } sec ? (int)Math.Round(sec * rate) : defaultSegment;
        if (segment <= 0) throw new ArgumentException($"{what}: segment_seconds must be positive.");
        switch (type)
        {
            case "dynamic_mixing":
                return new DynamicMixingDataset(SpeakerFolders(d, what), rate, segment,
                    d.TryGetProperty("num_sources", out var ns) ? ns.GetInt32() : 2,
                    d.TryGetProperty("examples_per_epoch", out var ex) ? ex.GetInt32() : 1000,
                    gainDb: Range(d, "gain_db", what), speedPerturb: Range(d, "speed_perturb", what), augmentation: Augmentation(d, what));
            case "folders":
                return new MixtureFolderDataset(ExistingFolder(d, "root", what), rate, segment);
            case "noisy_clean":
                if (d.TryGetProperty("root", out _))
                {
                    var root = ExistingFolder(d, "root", what);
                    foreach (var sub in new[] { "noisy", "clean" })
                        if (!Directory.Exists(Path.Combine(root, sub)))
                            throw new DirectoryNotFoundException($"{what}: '{root}' has no {sub}/ folder (noisy_clean pairs: root/noisy/X.wav and root/clean/X.wav).");
                    return NoisyCleanDataset.FromPairs(root, rate, segment);
                }
                if (d.TryGetProperty("clean", out _) || d.TryGetProperty("noise", out _))
                {
                    var clean = ExistingFolder(d, "clean", what);
                    var noise = ExistingFolder(d, "noise", what);
                    return NoisyCleanDataset.FromCleanAndNoise(clean, noise, rate, segment, Range(d, "snr", what) ?? (-5.0, 20.0));
                }
                throw new ArgumentException($"{what}: noisy_clean needs 'root' (with noisy/ and clean/) or 'clean' and 'noise' folders.");
            case "mir1k":
                return new Mir1kDataset(ExistingFolder(d, "root", what), rate, segment);
            default:
                throw new ArgumentException($"{what}: unknown data type '{type}' ({string.Join(", ", DataTypes)}).");
        }
    }

    /// <summary>
    /// Optional recording-condition augmentation of dynamic mixing: <c>band_limit_prob</c>, <c>noise_prob</c>,
    /// <c>noise_snr_db</c> [min, max], <c>level_db</c> [min, max].
    /// </summary>
    private static MixtureAugmentation? Augmentation(JsonElement d, string what)
    {
        double Prob(string key)
        {
            if (!d.TryGetProperty(key, out var v)) return 0;
            double p = v.GetDouble();
            if (p is < 0 or > 1) throw new InvalidDataException($"{what}.{key} must lie in [0, 1]; got {p}.");
            return p;
        }
        double band = Prob("band_limit_prob"), noise = Prob("noise_prob");
        var snr = Range(d, "noise_snr_db", what);
        var level = Range(d, "level_db", what);
        return band == 0 && noise == 0 && level is null ? null : new MixtureAugmentation(band, noise, snr, level);
    }

    /// <summary>An optional <c>[min, max]</c> pair (<c>snr</c>, <c>gain_db</c>, <c>speed_perturb</c>).</summary>
    private static (double Min, double Max)? Range(JsonElement d, string name, string what)
    {
        if (!d.TryGetProperty(name, out var r)) return null;
        if (r.ValueKind != JsonValueKind.Array || r.GetArrayLength() != 2)
            throw new ArgumentException($"{what}: '{name}' must be [min, max].");
        var range = (Min: r[0].GetDouble(), Max: r[1].GetDouble());
        if (range.Min > range.Max) throw new ArgumentException($"{what}: '{name}' [{range.Min}, {range.Max}] has min > max.");
        return range;
    }

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

    /// <summary>
    /// The optimiser of a recipe: Adam at <c>lr</c>; with <c>weight_decay</c> &gt; 0 (FRCRN's recipe: 1e-5 by default),
    /// L2 decay on every parameter except biases (two parameter groups; fixed parameters such as FRCRN's STFT kernels
    /// never get a gradient, so Adam skips them).
    /// </summary>
    private static Adam CreateOptimizer(torch.nn.Module model, double lr, double weightDecay)
    {
        if (weightDecay <= 0) return new Adam(model.parameters(), lr: lr);
        var trainable = model.named_parameters().ToList();
        static bool IsBias(string name) => name == "bias" || name.EndsWith(".bias", StringComparison.Ordinal);
        var decay = trainable.Where(p => !IsBias(p.name)).Select(p => p.parameter);
        var noDecay = trainable.Where(p => IsBias(p.name)).Select(p => p.parameter).ToList();
        var groups = new List<ParamGroup> { new(decay) };
        if (noDecay.Count > 0) groups.Add(new ParamGroup(noDecay, new() { ["weight_decay"] = 0.0 }));
        return new Adam(groups, lr: lr, weightDecay: weightDecay);
    }

    /// <summary>
    /// Reads and checks a recipe (everything that can be checked before training: keys, folders, data shapes), then
    /// trains, and exports <c>OUTPUT/model</c>. Recipe errors throw <see cref="ArgumentException"/>,
    /// <see cref="DirectoryNotFoundException"/> or <see cref="InvalidDataException"/> with the offending key in the message.
    /// </summary>
    private readonly Option<string> _recipe = new("--recipe") { Description = "The JSON recipe (see docs/training.md).", Required = true };
    private readonly Option<bool> _exportOnly = new("--export-only") { Description = "Write OUTPUT/model from the run's best (or latest) checkpoint without training." };

    /// <inheritdoc />
    protected override void Configure(Command command)
    {
        command.Options.Add(_recipe);
        command.Options.Add(_exportOnly);
    }

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string recipePath = parse.GetValue(_recipe)!;
        bool exportOnly = parse.GetValue(_exportOnly);
        // Under mpiexec with several ranks (MPICH's PMI_RANK/PMI_SIZE): data-parallel training, rank 0 alone prints and writes.
        using var group = MpiLaunch.Current is { Size: > 1 } ? MpiProcessGroup.Initialize() : null;
        if (group is null) return Train(recipePath, exportOnly, stdout, stderr, null, ct);
        try
        {
            return group.Rank == 0 ? Train(recipePath, exportOnly, stdout, stderr, group, ct) : Train(recipePath, exportOnly, TextWriter.Null, TextWriter.Null, group, ct);
        }
        catch (Exception e)
        {
            group.Abort($"speechsep train failed: {e.Message}");
            throw;
        }
    }

    private static int Train(string recipePath, bool exportOnly, TextWriter stdout, TextWriter stderr, MpiProcessGroup? group, CancellationToken ct)
    {
        var recipe = TrainRecipe.Load(recipePath);
        string arch = recipe.Architecture;
        if (!Architectures.Contains(arch)) throw new NotSupportedException($"recipe: training supports {string.Join(", ", Architectures)}, not '{arch}'.");
        var config = recipe.Config;
        int rate = recipe.SampleRate ?? ModelFamilies.Get(arch).DefaultSampleRate;
        if (arch == "frcrn" && rate != FrcrnConfig.SampleRate)
            throw new ArgumentException($"recipe: FRCRN works at {FrcrnConfig.SampleRate} Hz (the frcrn package loader assumes it); sample_rate is {rate}.");
        string output = recipe.Output;
        int batch = recipe.BatchSize, seed = recipe.Seed, workers = recipe.Workers;
        double lr = recipe.LearningRate ?? arch switch { "frcrn" => 1e-3, "hourglass" => 1e-4, _ => 1.5e-4 };
        double weightDecay = recipe.WeightDecay ?? (arch == "frcrn" ? 1e-5 : 0);
        var trainSpec = recipe.Train;

        torch.manual_seed(seed);
        var trainSource = DataSource(trainSpec, rate, arch, "train");
        var validSource = recipe.Valid.ValueKind == JsonValueKind.Object ? DataSource(recipe.Valid, rate, arch, "valid") : null;
        var (model, _, objective, sources) = ModelFamilies.Get(arch).CreateForTraining(config);
        using var _ = model;
        foreach (var (what, source) in new[] { ("train", trainSource), ("valid", validSource) })
            if (source is not null && source.NumSources != sources)
                throw new ArgumentException($"{what}: the data has {source.NumSources} target source(s) per example but the {arch} network has {sources} output(s)" +
                    (arch == "frcrn" ? " (FRCRN enhances: use noisy_clean data)." : "."));
        if (arch == "hourglass" && config.ValueKind == JsonValueKind.Object && config.TryGetProperty("sources", out var names)
            && names.ValueKind == JsonValueKind.Array && names.GetArrayLength() != sources)
            throw new ArgumentException($"recipe: config.sources names {names.GetArrayLength()} stems but the network has {sources} outputs.");

        if (recipe.InitFrom is { } initPath)
        {
            var weights = ModelPackage.LoadWeights(initPath);
            ModelFamilies.Get(arch).LoadWeights(model, weights);
            stdout.WriteLine($"fine-tuning from {initPath}");
        }
        if (exportOnly) return group is { Rank: > 0 } ? 0 : Export(model, arch, rate, config, output, Path.Combine(output, "checkpoints"), sources, stdout);
        if (recipe.Threads is { } threads) torch.set_num_threads(threads);
        var train = new DataLoader(trainSource, batch, seed, workers: workers);
        if (train.BatchesPerEpoch == 0)
            throw new ArgumentException($"train: {trainSource.Count} example(s) do not fill one batch of {batch}.");
        var valid = validSource is null ? null : new DataLoader(validSource, batch, seed + 1, shuffle: false, workers: workers, dropLast: false);
        using var adam = CreateOptimizer(model, lr, weightDecay);
        var plateau = new ReduceLROnPlateau(adam, PlateauMode.Min, factor: 0.5, patience: 2);
        var options = new TrainerOptions
        {
            Epochs = recipe.Epochs,
            ClipNorm = recipe.ClipNorm,
            EarlyStoppingPatience = recipe.EarlyStopping,
            CheckpointDirectory = Path.Combine(output, "checkpoints"),
            Seed = (ulong)seed,
            ProcessGroup = group,
            GradientBucketBytes = recipe.GradientBucketMegabytes is { } mb ? (long)(mb * 1024 * 1024) : GradientAverager.DefaultBucketBytes,
        };
        if (group is not null)
            stdout.WriteLine($"data-parallel: {group.Size} MPI ranks ({group.Library}), batch {batch} per rank = {batch * group.Size} per step");
        var trainer = new SeparationTrainer(model, objective, adam, plateau, options, new LineLogger(stdout));
        var progress = new ConsoleProgress(stderr, "train", enabled: group is not { Rank: > 0 });
        trainer.Fit(train, valid, new Progress<TrainingProgress>(p => progress.Report((double)p.Step / Math.Max(1, p.StepsPerEpoch))), ct);
        progress.Done();

        if (group is { Rank: > 0 }) return 0;                       // rank 0 exports
        return Export(model, arch, rate, config, output, options.CheckpointDirectory, sources, stdout);
    }

    /// <summary>Exports the best epoch (or the last when there was no validation) as a package under OUTPUT/model.</summary>
    private static int Export(torch.nn.Module model, string arch, int rate, JsonElement config, string output, string checkpoints, int sources, TextWriter stdout)
    {
        var manager = new CheckpointManager(checkpoints);
        var best = File.Exists(manager.BestPath) ? TrainingCheckpoint.Load(manager.BestPath) : manager.LoadLatest();
        if (best is null) throw new FileNotFoundException($"No checkpoint under '{checkpoints}' to export.");
        model.LoadStateDict(best.Model);
        model.eval();
        var packageDir = Path.Combine(output, "model");
        ModelPackage.Save(packageDir, arch, rate, ModelFamilies.Get(arch).PackageConfig(config, model), model);
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
