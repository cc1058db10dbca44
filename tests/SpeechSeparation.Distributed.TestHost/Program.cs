using System.Globalization;
using System.Text.Json;
using SpeechSeparation.Distributed.Mpi;
using SpeechSeparation.Training;
using SpeechSeparation.Training.Data;
using SpeechSeparation.Training.Distributed;

// One rank of a small data-parallel training, for the equivalence tests:
//   [mpiexec -n N] dotnet SpeechSeparation.Distributed.TestHost.dll --out FILE [--batch B] [--examples M] [--epochs E]
//       [--checkpoints DIR] [--bucket-bytes N] [--shard-only K/N] [--fail-rank R] [--hang-rank R] [--timeout S]
// Under mpiexec with N > 1 it trains through MpiProcessGroup; otherwise in this process alone. Each rank writes
// FILE.rank{R}.json: its final parameters (flattened), the per-epoch train loss and validation SI-SNR.
var opt = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2) opt[args[i].TrimStart('-')] = args[i + 1];
string Get(string k, string d) => opt.TryGetValue(k, out var v) ? v : d;
int batch = int.Parse(Get("batch", "4"), CultureInfo.InvariantCulture);
int examples = int.Parse(Get("examples", "24"), CultureInfo.InvariantCulture);
int epochs = int.Parse(Get("epochs", "2"), CultureInfo.InvariantCulture);
string output = opt["out"];

torch.set_num_threads(1);
var launch = MpiLaunch.Current;
using var group = launch is { Size: > 1 }
    ? MpiProcessGroup.Initialize(new MpiOptions { CollectiveTimeout = TimeSpan.FromSeconds(double.Parse(Get("timeout", "60"), CultureInfo.InvariantCulture)) })
    : null;
int rank = group?.Rank ?? 0;

// Each rank initialises differently: equal weights afterwards prove the broadcast from rank 0.
torch.manual_seed(1234 + rank);
using var model = new TinySeparator();
int failRank = int.Parse(Get("fail-rank", "-1"), CultureInfo.InvariantCulture);
int hangRank = int.Parse(Get("hang-rank", "-1"), CultureInfo.InvariantCulture);
int calls = 0;
var objective = new PitSiSnrObjective(x =>
{
    if (++calls == 3 && rank == failRank) throw new InvalidDataException("injected failure at the third step");
    if (calls == 3 && rank == hangRank) Thread.Sleep(Timeout.Infinite);
    return model.forward(x);
});
// SGD's step is linear in the gradient, so float rounding stays float rounding; Adam divides by √v and turns the
// rounding of near-zero gradient entries into ±lr steps (the test compares Adam by a relative norm).
using Optimizer adam = Get("optimizer", "sgd") == "adam" ? new Adam(model.parameters(), lr: 0.01) : new SGD(model.parameters(), lr: 0.05, momentum: 0.9);
var train = new DataLoader(new Tones(examples, seed: 7), batch, seed: 11, workers: 1);
var valid = new DataLoader(new Tones(6, seed: 8), 2, seed: 12, shuffle: false, workers: 1, dropLast: false);
if (Get("shard-only", "") is { Length: > 0 } only)
{
    // The control: what one rank would do if gradients were not averaged (its shard alone).
    var parts = only.Split('/');
    train = train.Shard(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
}
var trainer = new SeparationTrainer(model, objective, adam, null, new TrainerOptions
{
    Epochs = epochs,
    ClipNorm = double.Parse(Get("clip", "0"), CultureInfo.InvariantCulture),   // clipping would hide a sum in place of a mean
    EarlyStoppingPatience = 0,
    LogEvery = 0,
    CheckpointDirectory = opt.TryGetValue("checkpoints", out var dir) ? dir : null,
    ProcessGroup = group,
    GradientBucketBytes = long.Parse(Get("bucket-bytes", "600"), CultureInfo.InvariantCulture),
});
var history = trainer.Fit(train, valid);
using (torch.no_grad())
{
    var flat = torch.cat(model.parameters().Select(p => p.detach().reshape(-1)).ToArray());
    File.WriteAllText($"{output}.rank{rank}.json", JsonSerializer.Serialize(new
    {
        rank,
        size = group?.Size ?? 1,
        parameters = flat.data<float>().ToArray(),
        train_loss = history.Select(h => h.TrainLoss).ToArray(),
        valid_si_snr = history.Select(h => h.ValidSiSnr).ToArray(),
    }));
}
return 0;

/// <summary>Two-source mixtures of tones with noise, drawn from the example's generator.</summary>
sealed class Tones(int count, int seed) : IExampleSource
{
    public int Count => count;
    public int SampleRate => 8000;
    public int NumSources => 2;

    public SeparationExample Get(int index, Random rng)
    {
        const int n = 400;
        var sources = new float[2][];
        var mix = new float[n];
        for (int s = 0; s < 2; s++)
        {
            double f = 200 + 1500 * rng.NextDouble() + 1000 * s, a = 0.2 + 0.5 * rng.NextDouble(), ph = 6.28 * rng.NextDouble();
            sources[s] = new float[n];
            for (int t = 0; t < n; t++)
            {
                sources[s][t] = (float)(a * Math.Sin(2 * Math.PI * f * t / 8000 + ph) + 0.02 * (rng.NextDouble() - 0.5));
                mix[t] += sources[s][t];
            }
        }
        return new SeparationExample(mix, sources, 8000, $"{seed}/{index}");
    }
}

/// <summary>Conv1d → tanh → Conv1d: mixtures [B, T] → sources [B, T, 2].</summary>
sealed class TinySeparator : torch.nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Conv1d _in = torch.nn.Conv1d(1, 16, 15, padding: 7);
    private readonly TorchSharp.Modules.Conv1d _out = torch.nn.Conv1d(16, 2, 15, padding: 7);

    public TinySeparator() : base(nameof(TinySeparator)) => RegisterComponents();

    public override Tensor forward(Tensor x) => _out.forward(torch.tanh(_in.forward(x.unsqueeze(1)))).permute(0, 2, 1);
}
