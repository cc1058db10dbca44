using SpeechSeparation.Evaluation;
using SpeechSeparation.Tensors;

namespace SpeechSeparation.Training;

/// <summary>The result of a permutation-invariant loss: per-example losses, the loss matrix and the chosen permutations.</summary>
/// <param name="Loss">Per-example loss <c>[B]</c> under the chosen permutation (differentiable; reduce with <c>.mean()</c>).</param>
/// <param name="LossMatrix"><c>[B, C, C]</c>: entry <c>[b, i, j]</c> is the loss of estimate i against reference j.</param>
/// <param name="Permutations">Per example, <c>perm[i]</c> = the reference matched with estimate i.</param>
public sealed record PitResult(Tensor Loss, Tensor LossMatrix, IReadOnlyList<int[]> Permutations) : IDisposable
{
    /// <summary>Frees the two tensors.</summary>
    public void Dispose()
    {
        Loss.Dispose();
        LossMatrix.Dispose();
    }
}

/// <summary>
/// Permutation-invariant SI-SNR loss with exactly SpeechBrain's conventions (<c>get_si_snr_with_pitwrapper</c>):
/// inputs <c>[B, T, C]</c> (sources on the last axis), SI-SNR with zero-mean and EPS = 1e-8 in three places, loss matrix
/// <c>L[i, j] = −SISNR(estimate i, reference j)</c>, the permutation minimising <c>mean_i L[i, p[i]]</c> searched over
/// <c>itertools.permutations</c> order keeping the first strict minimum (ties keep the lexicographically first), the
/// per-example loss <c>[B]</c> without batch reduction. Gradients flow through the chosen entries only.
/// For more than <see cref="ExhaustiveLimit"/> sources the Hungarian algorithm finds the same optimum (it can differ only
/// among exact ties).
/// </summary>
public static class PitSiSnrLoss
{
    /// <summary>Largest number of sources searched exhaustively (8! = 40,320 permutations); the Hungarian algorithm beyond.</summary>
    public const int ExhaustiveLimit = 8;

    /// <summary>Per-example PIT loss <c>[B]</c> (minus the mean SI-SNR in dB under the best permutation).</summary>
    /// <param name="targets">References <c>[B, T, C]</c>.</param>
    /// <param name="estimates">Estimates <c>[B, T, C]</c>.</param>
    public static Tensor Loss(Tensor targets, Tensor estimates)
    {
        var r = Compute(targets, estimates);
        r.LossMatrix.Dispose();
        return r.Loss;
    }

    /// <summary>The loss, the loss matrix and the chosen permutation of every example.</summary>
    /// <param name="targets">References <c>[B, T, C]</c> (SpeechBrain's first argument).</param>
    /// <param name="estimates">Estimates <c>[B, T, C]</c>.</param>
    /// <param name="exhaustiveLimit">Largest source count searched exhaustively (default <see cref="ExhaustiveLimit"/>).</param>
    /// <exception cref="ArgumentException">The shapes differ or are not <c>[B, T, C]</c>.</exception>
    public static PitResult Compute(Tensor targets, Tensor estimates, int exhaustiveLimit = ExhaustiveLimit)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(estimates);
        var ts = targets.shape;
        var es = estimates.shape;
        if (ts.Length != 3 || !ts.AsSpan().SequenceEqual(es))
            throw new ArgumentException($"PIT SI-SNR expects references and estimates of the same shape [B, T, C]; got [{string.Join(", ", ts)}] and [{string.Join(", ", es)}].", nameof(estimates));
        int b = checked((int)ts[0]);
        int c = checked((int)ts[2]);
        using var scope = torch.NewDisposeScope();
        var s = targets.permute(0, 2, 1).unsqueeze(1);                  // [B, 1, C, T] reference j on axis 2
        var e = estimates.permute(0, 2, 1).unsqueeze(2);                // [B, C, 1, T] estimate i on axis 1
        var matrix = -ScaleInvariantSnr.Compute(e, s);                  // [B, C, C]
        var values = matrix.detach().ToFloatArray();
        var perms = new int[b][];
        var index = new long[b * c];
        for (int n = 0; n < b; n++)
        {
            var m = values.AsSpan(n * c * c, c * c);
            perms[n] = c <= exhaustiveLimit ? ExhaustiveFloat32(m, c) : Hungarian(m, c);
            for (int i = 0; i < c; i++) index[n * c + i] = perms[n][i];
        }
        var idx = torch.tensor(index, [b, c, 1], device: matrix.device);
        var loss = matrix.gather(2, idx).squeeze(2).mean([1]);            // [B]
        return new PitResult(loss.MoveToOuterDisposeScope(), matrix.MoveToOuterDisposeScope(), perms);
    }

    /// <summary>
    /// The PIT loss for models that return one <c>[B, T]</c> tensor per source (MossFormer, MossFormer2): the lists are
    /// stacked on a last axis and passed to <see cref="Compute(Tensor, Tensor, int)"/>.
    /// </summary>
    public static PitResult Compute(IReadOnlyList<Tensor> targets, IReadOnlyList<Tensor> estimates, int exhaustiveLimit = ExhaustiveLimit)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(estimates);
        if (targets.Count != estimates.Count || targets.Count == 0)
            throw new ArgumentException($"Expected as many estimates as references (got {estimates.Count} and {targets.Count}).", nameof(estimates));
        using var scope = torch.NewDisposeScope();
        var r = Compute(torch.stack(targets, -1), torch.stack(estimates, -1), exhaustiveLimit);
        r.Loss.MoveToOuterDisposeScope();
        r.LossMatrix.MoveToOuterDisposeScope();
        return r;
    }

    /// <summary>
    /// Puts estimates into reference order: <c>ordered[..., perm[i]] = estimates[..., i]</c> per example
    /// (inputs <c>[B, T, C]</c>). SpeechBrain's <c>reorder_tensor</c> instead returns <c>tensor[..., perm]</c>.
    /// </summary>
    public static Tensor Reorder(Tensor estimates, IReadOnlyList<int[]> permutations)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentNullException.ThrowIfNull(permutations);
        long b = estimates.size(0), t = estimates.size(1), c = estimates.size(2);
        if (permutations.Count != b) throw new ArgumentException($"{permutations.Count} permutations for a batch of {b}.", nameof(permutations));
        var inverse = new long[b * c];
        for (int n = 0; n < b; n++)
        {
            var p = permutations[n];
            if (p.Length != c) throw new ArgumentException($"Permutation {n} has {p.Length} entries for {c} sources.", nameof(permutations));
            for (int i = 0; i < c; i++) inverse[n * c + p[i]] = i;
        }
        using var scope = torch.NewDisposeScope();
        var idx = torch.tensor(inverse, [b, 1, c], device: estimates.device).expand(b, t, c);
        return estimates.gather(2, idx).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// SpeechBrain's search: every permutation in lexicographic order, cost = float32 mean of the selected entries
    /// (sum in float32, then divided by C), the first strictly smaller cost wins.
    /// </summary>
    internal static int[] ExhaustiveFloat32(ReadOnlySpan<float> m, int c)
    {
        var perm = new int[c];
        for (int i = 0; i < c; i++) perm[i] = i;
        var best = (int[])perm.Clone();
        float bestCost = float.NaN;
        bool first = true;
        do
        {
            float sum = 0f;
            for (int i = 0; i < c; i++) sum += m[i * c + perm[i]];
            float cost = sum / c;
            if (first || bestCost > cost)
            {
                first = false;
                bestCost = cost;
                Array.Copy(perm, best, c);
            }
        } while (PermutationSearch.NextPermutation(perm));
        return best;
    }

    private static int[] Hungarian(ReadOnlySpan<float> m, int c)
    {
        var d = new double[m.Length];
        for (int i = 0; i < m.Length; i++) d[i] = m[i];
        return PermutationSearch.Hungarian(d, c, PermutationObjective.Minimize);
    }
}
