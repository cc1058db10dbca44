using SpeechSeparation.Tensors;

namespace SpeechSeparation.Training.Distributed;

/// <summary>
/// Data-parallel gradient averaging, what PyTorch's DistributedDataParallel does after backward: the gradients of every
/// trainable parameter are flattened into buckets of at most <see cref="BucketBytes"/> (float32, host memory), each bucket
/// is summed over the ranks with one all-reduce and divided by the rank count, and the averages are copied back. With
/// equal per-rank batches and a loss that is a batch mean, N ranks × batch B then take exactly the step of one process
/// with batch N·B (up to float rounding). With one rank nothing is touched.
/// </summary>
public sealed class GradientAverager
{
    /// <summary>PyTorch DDP's default bucket size (25 MiB).</summary>
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    /// <summary>An averager over <paramref name="group"/>.</summary>
    /// <param name="group">The ranks.</param>
    /// <param name="bucketBytes">Largest all-reduce (bytes of float32); a parameter larger than this gets a bucket of its own.</param>
    public GradientAverager(IProcessGroup group, long bucketBytes = DefaultBucketBytes)
    {
        Group = group ?? throw new ArgumentNullException(nameof(group));
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 4L);
        BucketBytes = bucketBytes;
    }

    /// <summary>The ranks.</summary>
    public IProcessGroup Group { get; }

    /// <summary>Largest all-reduce in bytes.</summary>
    public long BucketBytes { get; }

    /// <summary>All-reduces of the last <see cref="Average"/> (the small header included).</summary>
    public int LastAllreduceCount { get; private set; }

    /// <summary>
    /// Averages the gradients of <paramref name="parameters"/> (those that require a gradient) over the ranks, and
    /// returns the mean of <paramref name="localValue"/> over the ranks (the step's loss, for logs that match one process
    /// with the whole batch). A parameter without a gradient on this rank counts as a zero gradient; it gets the average
    /// when another rank has a gradient for it and is left without one when no rank has. Call it on every rank after
    /// backward and before clipping and the optimiser step.
    /// </summary>
    public double Average(IEnumerable<Parameter> parameters, double localValue = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        LastAllreduceCount = 0;
        if (Group.Size == 1) return localValue;
        var ps = parameters.Where(p => p.requires_grad).ToList();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var grads = ps.Select(p => p.grad).ToArray();

        // Header: which parameters have a gradient anywhere, and the sum of the local values.
        var header = new double[ps.Count + 1];
        for (int i = 0; i < ps.Count; i++) header[i] = grads[i] is null ? 0 : 1;
        header[^1] = localValue;
        Group.AllreduceSum(header);
        LastAllreduceCount++;

        var present = Enumerable.Range(0, ps.Count).Where(i => header[i] > 0).ToList();
        foreach (var bucket in Buckets(present.Select(i => ps[i].numel()).ToList(), Math.Clamp(BucketBytes / sizeof(float), 1, 1L << 28)))
        {
            var members = bucket.Select(j => present[j]).ToList();
            var parts = members.Select(i => grads[i] is { } g
                ? g.detach().reshape(-1).to(ScalarType.Float32, torch.CPU)
                : torch.zeros(ps[i].numel(), ScalarType.Float32)).ToList();
            var flat = parts.Count == 1 ? parts[0].clone() : torch.cat(parts);
            AllreduceSum(flat);
            LastAllreduceCount++;
            flat.DivInPlace(Group.Size);
            long offset = 0;
            foreach (var i in members)
            {
                var p = ps[i];
                long n = p.numel();
                var avg = flat.narrow(0, offset, n).view(p.shape);
                if (grads[i] is { } g) g.copy_(avg);
                else p.grad = avg.to(p.dtype, p.device).clone().DetachFromDisposeScope();
                offset += n;
            }
        }
        return header[^1] / Group.Size;
    }

    private void AllreduceSum(Tensor flat) =>
        Group.AllreduceSum(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(flat.bytes));   // a bucket is far below 2 GiB

    /// <summary>
    /// Groups consecutive items (sizes in elements) into buckets of at most <paramref name="capacity"/> elements, in order;
    /// an item larger than the capacity is a bucket alone. Returns the item indices of each bucket.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Buckets(IReadOnlyList<long> sizes, long capacity)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        var buckets = new List<IReadOnlyList<int>>();
        var current = new List<int>();
        long filled = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            if (current.Count > 0 && filled + sizes[i] > capacity)
            {
                buckets.Add(current);
                current = [];
                filled = 0;
            }
            current.Add(i);
            filled += sizes[i];
        }
        if (current.Count > 0) buckets.Add(current);
        return buckets;
    }

    /// <summary>
    /// Copies rank <paramref name="root"/>'s parameters and buffers (any dtype, any device) into every other rank's
    /// <paramref name="module"/>, so all ranks start from the same weights (at the start and after a resume).
    /// </summary>
    public void BroadcastState(torch.nn.Module module, int root = 0) => Broadcast(module, root, parameters: true);

    /// <summary>
    /// Copies rank <paramref name="root"/>'s buffers (batch-norm statistics…) to the other ranks: each rank updates them
    /// from its own batches, so they are made equal before validation and checkpoints.
    /// </summary>
    public void BroadcastBuffers(torch.nn.Module module, int root = 0) => Broadcast(module, root, parameters: false);

    private void Broadcast(torch.nn.Module module, int root, bool parameters)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (Group.Size == 1) return;
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var tensors = (parameters ? module.named_parameters().Select(p => ((Tensor)p.parameter, p.name)) : [])
            .Concat(module.named_buffers().Select(b => (b.buffer, b.name)));
        foreach (var (t, _) in tensors)
        {
            var host = t.detach().cpu().contiguous();
            Group.Broadcast(host.bytes, root);
            if (Group.Rank != root && !ReferenceEquals(host, t)) t.copy_(host);
        }
    }
}
