using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SpeechSeparation.Distributed.Mpi;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Tensors;
using SpeechSeparation.Training;
using SpeechSeparation.Training.Distributed;

// All-reduce cost of one data-parallel training step (GradientAverager: header, flatten, MPI_Allreduce, divide, copy back)
// for a MossFormer2 configuration, and optionally the forward + backward time of one step.
//   mpiexec.mpich -n 2 dotnet SpeechSeparation.Distributed.Benchmark.dll --recipe recipes/default-mossformer2-8k-v2.json
//   mpiexec.mpich -n 2 dotnet SpeechSeparation.Distributed.Benchmark.dll --full            (the published 55.7 M model)
//   [--steps 20] [--bucket-mb 25] [--compute BATCH] [--seconds 2] [--threads 1]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var opt = new Dictionary<string, string>();
for (int i = 0; i < args.Length; i++)
    opt[args[i].TrimStart('-')] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "";
string Get(string k, string d) => opt.TryGetValue(k, out var v) ? v : d;
torch.set_num_threads(int.Parse(Get("threads", "1"), CultureInfo.InvariantCulture));
int steps = int.Parse(Get("steps", "20"), CultureInfo.InvariantCulture);
long bucket = (long)(double.Parse(Get("bucket-mb", "25"), CultureInfo.InvariantCulture) * 1024 * 1024);

MossFormer2Config config;
string name;
if (opt.ContainsKey("full")) (config, name) = (MossFormer2Config.ModelScope8k, "MossFormer2 8k (published size)");
else
{
    var path = Get("recipe", "recipes/default-mossformer2-8k-v2.json");
    using var doc = JsonDocument.Parse(File.ReadAllText(path));
    (config, name) = (MossFormer2Config.FromJson(doc.RootElement.GetProperty("config")), Path.GetFileName(path));
}

using var group = MpiLaunch.Current is { Size: > 1 } ? MpiProcessGroup.Initialize() : null;
IProcessGroup ranks = group is null ? SingleProcessGroup.Instance : group;
torch.manual_seed(1);
using var model = new MossFormer2Separator(config);
var parameters = model.parameters().ToList();
long count = parameters.Sum(p => p.numel());
var averager = new GradientAverager(ranks, bucket);
averager.BroadcastState(model);

double computeSeconds = double.NaN;
if (opt.TryGetValue("compute", out var b) && b.Length > 0)
{
    int batch = int.Parse(b, CultureInfo.InvariantCulture);
    long samples = (long)(double.Parse(Get("seconds", "2"), CultureInfo.InvariantCulture) * config.SampleRate);
    var objective = new PitSiSnrObjective(x => model.forward(x));
    var times = new List<double>();
    for (int s = 0; s < 4; s++)
    {
        using var scope = torch.NewDisposeScope();
        var mix = torch.randn(batch, samples) * 0.1;
        var clock = Stopwatch.StartNew();
        var loss = objective.Loss(new SpeechSeparation.Training.Data.Batch(mix, torch.randn(batch, samples, config.NumSpks) * 0.1, []));
        loss.backward();
        times.Add(clock.Elapsed.TotalSeconds);
        foreach (var p in parameters) p.grad = null;
    }
    computeSeconds = times.Skip(1).Order().ElementAt(times.Count / 2 - 1);
}

foreach (var p in parameters) p.grad = torch.randn_like(p);
var samplesMs = new List<double>();
double mpiBefore = group?.CollectiveSeconds ?? 0;
for (int s = 0; s < steps + 3; s++)
{
    var clock = Stopwatch.StartNew();
    averager.Average(parameters, 1.0);
    if (s >= 3) samplesMs.Add(clock.Elapsed.TotalMilliseconds);
    if (s == 2) mpiBefore = group?.CollectiveSeconds ?? 0;
}
double mpiMs = ((group?.CollectiveSeconds ?? 0) - mpiBefore) * 1000 / steps;
samplesMs.Sort();
if (ranks.Rank == 0)
    Console.WriteLine((
        $"{name}: {count:N0} parameters ({count * 4 / 1048576.0:F1} MiB of float32 gradients), {ranks.Size} ranks, bucket {bucket / 1048576.0:G3} MiB → " +
        $"{averager.LastAllreduceCount} all-reduces per step; averaging {samplesMs[samplesMs.Count / 2]:F2} ms per step (median of {steps}; " +
        $"min {samplesMs[0]:F2}, max {samplesMs[^1]:F2}), of which inside MPI {mpiMs:F2} ms (mean)" +
        (double.IsNaN(computeSeconds) ? "" : $"; forward + backward {computeSeconds * 1000:F0} ms")));
return 0;
