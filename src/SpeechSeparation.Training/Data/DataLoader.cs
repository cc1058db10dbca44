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
/// <para>
/// A shard (<see cref="Shard"/>) is one rank's part of a data-parallel job: all ranks share the epoch order, step
/// <c>g</c> covers the global batch of examples <c>order[g·B·N … (g+1)·B·N)</c>, and rank <c>r</c> takes the
/// <c>B</c> examples from <c>g·B·N + r·B</c>. The ranks therefore draw disjoint examples whose random generators differ
/// (dynamic-mixing draws are seeded by the recipe seed and the example index, hence by the rank), and N ranks with
/// batch B see exactly the batches of one process with batch N·B.
/// </para>
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
    /// <summary>Whether a last incomplete batch is dropped (with shards: a last incomplete global batch).</summary>
    public bool DropLast { get; }

    /// <summary>This loader's shard, 0 … <see cref="ShardCount"/> − 1 (0 when not sharded).</summary>
    public int ShardIndex { get; private init; }

    /// <summary>Shards the examples are split into (1 when not sharded).</summary>
    public int ShardCount { get; private init; } = 1;

    /// <summary>The examples of one step over all shards (<see cref="BatchSize"/> × <see cref="ShardCount"/>).</summary>
    public long GlobalBatchSize => (long)BatchSize * ShardCount;

    /// <summary>The data set.</summary>
    public IExampleSource Source => _source;

    /// <summary>
    /// Batches per epoch of this shard. With <see cref="DropLast"/> every shard has the same count (whole global batches);
    /// without it the shards of the last global batch may hold fewer examples, or none.
    /// </summary>
    public int BatchesPerEpoch
    {
        get
        {
            long n = _source.Count, global = GlobalBatchSize, first = (long)ShardIndex * BatchSize;
            if (DropLast) return (int)(n / global);
            return n <= first ? 0 : (int)((n - first + global - 1) / global);
        }
    }

    /// <summary>
    /// The same loader restricted to shard <paramref name="index"/> of <paramref name="count"/> (one rank of a data-parallel
    /// job; see the class remarks). <c>Shard(0, 1)</c> is the whole data set.
    /// </summary>
    public DataLoader Shard(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (index < 0 || index >= count) throw new ArgumentOutOfRangeException(nameof(index), $"Shard {index} of {count} does not exist.");
        return new DataLoader(_source, BatchSize, Seed, Shuffle, Workers, Prefetch, DropLast) { ShardIndex = index, ShardCount = count };
    }

    /// <summary>The examples (indices into the source) of batch <paramref name="batch"/> of this shard in an epoch's order.</summary>
    private ArraySegment<int> BatchIndices(int[] order, int batch)
    {
        long start = batch * GlobalBatchSize + (long)ShardIndex * BatchSize;
        int count = (int)Math.Min(BatchSize, order.Length - start);
        return new ArraySegment<int>(order, (int)start, count);
    }

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
                    var indices = BatchIndices(order, bi);
                    var ex = new SeparationExample[indices.Count];
                    for (int j = 0; j < ex.Length; j++)
                    {
                        int idx = indices[j];
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
