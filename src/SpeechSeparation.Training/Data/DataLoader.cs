using System.Collections.Concurrent;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Training.Data;

/// <summary>A batch: mixtures [B, T] and targets [B, T, S] (SpeechBrain's layout), on the CPU.</summary>
public sealed record Batch(Tensor Mixtures, Tensor Targets, IReadOnlyList<string> Ids) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Mixtures.Dispose();
        Targets.Dispose();
    }
}

/// <summary>
/// Batches an <see cref="IExampleSource"/> with background workers. The order of examples is a seeded shuffle per
/// epoch and every example's random generator is derived from (seed, epoch, index), so a run is reproducible whatever
/// the worker count. At most <c>prefetch</c> batches wait in memory.
/// </summary>
public sealed class DataLoader
{
    private readonly IExampleSource _source;

    /// <summary>Creates a loader.</summary>
    public DataLoader(IExampleSource source, int batchSize, int seed, bool shuffle = true, int workers = 2, int prefetch = 4, bool dropLast = true)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers));
        if (prefetch < 1) throw new ArgumentOutOfRangeException(nameof(prefetch));
        _source = source ?? throw new ArgumentNullException(nameof(source));
        (BatchSize, Seed, Shuffle, Workers, Prefetch, DropLast) = (batchSize, seed, shuffle, workers, prefetch, dropLast);
    }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Seed of the shuffles and of every example's random generator.</summary>
    public int Seed { get; }
    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }
    /// <summary>Background workers.</summary>
    public int Workers { get; }
    /// <summary>Batches prepared ahead.</summary>
    public int Prefetch { get; }
    /// <summary>Whether a last incomplete batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => DropLast ? _source.Count / BatchSize : (_source.Count + BatchSize - 1) / BatchSize;

    /// <summary>The example order of an epoch.</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, _source.Count).ToArray();
        if (Shuffle) new Random(DeriveSeed(Seed, epoch, -1)).Shuffle(order);
        return order;
    }

    /// <summary>The random generator example <paramref name="index"/> gets in <paramref name="epoch"/>.</summary>
    public Random ExampleRandom(int epoch, int index) => new(DeriveSeed(Seed, epoch, index));

    /// <summary>
    /// A seed that depends only on (seed, epoch, index), the same in every process and on every machine (SplitMix64
    /// finalisers over the three values). <see cref="HashCode.Combine{T1, T2, T3}"/> must not be used for this: .NET
    /// randomises it per process, which made every training run draw different data.
    /// </summary>
    public static int DeriveSeed(int seed, int epoch, int index)
    {
        static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
        ulong h = Mix((ulong)(uint)seed + 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ ((ulong)(uint)epoch + 0x9E3779B97F4A7C15UL));
        h = Mix(h ^ ((ulong)(uint)index + 0x9E3779B97F4A7C15UL));
        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>Builds one batch (synchronously).</summary>
    public Batch Collate(IReadOnlyList<SeparationExample> examples)
    {
        int n = examples.Count, t = examples[0].Mixture.Length, s = examples[0].Sources.Length;
        var mix = new float[n * t];
        var tgt = new float[n * t * s];
        for (int b = 0; b < n; b++)
        {
            var e = examples[b];
            if (e.Mixture.Length != t || e.Sources.Length != s || e.Sources.Any(x => x.Length != t))
                throw new InvalidDataException($"Example '{e.Id}' does not match the batch's shape ({t} samples, {s} sources); use a fixed segment length.");
            e.Mixture.CopyTo(mix, b * t);
            for (int i = 0; i < t; i++)
                for (int k = 0; k < s; k++)
                    tgt[(b * t + i) * s + k] = e.Sources[k][i];
        }
        var m = torch.tensor(mix, [n, t]).DetachFromDisposeScope();
        var g = torch.tensor(tgt, [n, t, s]).DetachFromDisposeScope();
        return new Batch(m, g, examples.Select(e => e.Id).ToList());
    }

    /// <summary>The batches of one epoch, prepared by background workers; dispose each batch after use.</summary>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellationToken = default)
    {
        var order = Order(epoch);
        int batches = BatchesPerEpoch;
        using var queue = new BlockingCollection<(int Index, SeparationExample[]? Examples, Exception? Error)>(Prefetch);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int next = -1;
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(() =>
        {
            try
            {
                while (!cts.IsCancellationRequested)
                {
                    int bi = Interlocked.Increment(ref next);
                    if (bi >= batches) break;
                    var ex = new SeparationExample[Math.Min(BatchSize, order.Length - bi * BatchSize)];
                    for (int j = 0; j < ex.Length; j++)
                    {
                        int idx = order[bi * BatchSize + j];
                        ex[j] = _source.Get(idx, ExampleRandom(epoch, idx));
                    }
                    queue.Add((bi, ex, null), cts.Token);
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { try { queue.Add((-1, null, e)); } catch (Exception) { /* the consumer is gone */ } }
        })).ToArray();
        _ = Task.WhenAll(workers).ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);

        // Deliver in order: hold early finishers until their turn (bounded by the worker count).
        var pending = new Dictionary<int, SeparationExample[]>();
        int want = 0;
        try
        {
            foreach (var (index, examples, error) in queue.GetConsumingEnumerable(cancellationToken))
            {
                if (error is not null) throw new InvalidDataException($"Loading a batch failed: {error.Message}", error);
                pending[index] = examples!;
                while (pending.Remove(want, out var ready))
                {
                    want++;
                    yield return Collate(ready);
                }
            }
        }
        finally
        {
            cts.Cancel();
        }
        if (want < batches) throw new InvalidOperationException($"The loader delivered {want} of {batches} batches.");
    }
}
