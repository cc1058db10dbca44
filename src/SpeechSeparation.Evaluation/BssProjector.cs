using System.Numerics.Tensors;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// The least-squares projection of BSS Eval: an estimate is approximated by a sum of reference signals each filtered by an
/// <c>L</c>-tap FIR filter. Holds the reference signals, their Gram matrix (block Toeplitz, built from full linear
/// cross-correlations), and factorisations of the whole matrix and of each group's diagonal block (a group is one
/// source: one signal in mono, one per channel for images). Immutable after construction; thread-safe.
/// </summary>
internal sealed class BssProjector
{
    private readonly double[][] _signals;
    private readonly BlockedCorrelation _xcorr;
    private double[][]? _blockSpectra; // pooled; returned by ReleaseSpectra
    private readonly double[,][] _corr;
    private readonly double _loading;
    private readonly bool _factorAll;
    private readonly object _gate = new();
    private SymmetricSolver? _all;
    private SymmetricSolver[]? _groups;
    private readonly BlockToeplitzSolver? _structuredAll;
    private readonly BlockToeplitzSolver[]? _structuredGroups;

    /// <param name="signals">Reference signals, group-major (source, then channel), equal lengths.</param>
    /// <param name="groupSize">Signals per group (channels per source).</param>
    /// <param name="filterLength">FIR length <c>L</c>.</param>
    /// <param name="diagonalLoading">Added to the Gram diagonal (0 for BSS Eval v3, machine epsilon for v4).</param>
    /// <param name="factorAll">Whether the whole-system factorisation is needed.</param>
    /// <param name="structured">
    /// Solve through <see cref="BlockToeplitzSolver"/> (block Levinson plus refinement to a backward-stable residual) in
    /// <see cref="SolveAllMany"/>/<see cref="SolveGroupMany"/>; the dense factorisations are then only built if that
    /// solver declines.
    /// </param>
    public BssProjector(double[][] signals, int groupSize, int filterLength, double diagonalLoading, bool factorAll = true, bool structured = false)
    {
        _signals = signals;
        GroupSize = groupSize;
        FilterLength = filterLength;
        int s = signals.Length, l = filterLength, n = s * l;
        Length = signals[0].Length;
        _xcorr = new BlockedCorrelation(Length, l - 1);
        _blockSpectra = new double[s][];
        var segmentSpectra = new double[s][];
        for (int i = 0; i < s; i++)
        {
            _blockSpectra[i] = _xcorr.RentBlockSpectra(signals[i]);
            segmentSpectra[i] = _xcorr.RentSegmentSpectra(signals[i]); // only for the Gram correlations below
        }
        // corr[i][k][m + L - 1] = Σ_u x_i(u)·x_k(u + m), |m| < L.
        var corr = new double[s, s][];
        for (int i = 0; i < s; i++)
            for (int k = i; k < s; k++)
            {
                var c = new double[2 * l - 1];
                _xcorr.Correlate(_blockSpectra[i], segmentSpectra[k], c);
                corr[i, k] = c;
                if (k != i)
                {
                    var r = new double[2 * l - 1];
                    for (int m = 0; m < r.Length; m++) r[m] = c[r.Length - 1 - m];
                    corr[k, i] = r;
                }
            }
        foreach (var spectra in segmentSpectra) System.Buffers.ArrayPool<double>.Shared.Return(spectra);
        _corr = corr;
        _loading = diagonalLoading;
        _factorAll = factorAll;
        if (structured)
        {
            int groupCount = s / groupSize;
            var all = new int[s];
            for (int i = 0; i < s; i++) all[i] = i;
            _structuredAll = new BlockToeplitzSolver(corr, all, l, diagonalLoading);
            _structuredGroups = new BlockToeplitzSolver[groupCount];
            for (int j = 0; j < groupCount; j++)
                _structuredGroups[j] = new BlockToeplitzSolver(corr, all.AsSpan(j * groupSize, groupSize), l, diagonalLoading);
        }
        else BuildDense();
    }

    /// <summary>The dense Gram matrix and its factorisations (whole system and each group's diagonal block).</summary>
    private void BuildDense()
    {
        int s = _signals.Length, l = FilterLength, n = s * l, groupSize = GroupSize;
        var corr = _corr;
        double diagonalLoading = _loading;
        // G[(i,a),(k,b)] = Σ_t x_i(t−a)·x_k(t−b) = corr_ik(a − b).
        var g = new double[n * n];
        for (int i = 0; i < s; i++)
            for (int k = 0; k < s; k++)
            {
                var c = corr[i, k];
                for (int a = 0; a < l; a++)
                {
                    var row = g.AsSpan((i * l + a) * n + k * l, l);
                    for (int b = 0; b < l; b++) row[b] = c[a - b + l - 1];
                }
            }
        if (diagonalLoading != 0)
            for (int d = 0; d < n; d++) g[d * n + d] += diagonalLoading;
        int groups = s / groupSize, gn = groupSize * l;
        var solvers = new SymmetricSolver[groups];
        SymmetricSolver? whole = groups > 1 && _factorAll ? new SymmetricSolver(g, n) : null;
        for (int j = 0; j < groups; j++)
        {
            // The leading block's Cholesky factor is the leading corner of the whole factor.
            var corner = j == 0 ? whole?.LeadingBlock(gn) : null;
            if (corner is not null) { solvers[j] = corner; continue; }
            var block = new double[gn * gn];
            for (int r = 0; r < gn; r++)
                g.AsSpan((j * gn + r) * n + j * gn, gn).CopyTo(block.AsSpan(r * gn, gn));
            solvers[j] = new SymmetricSolver(block, gn);
        }
        _all = groups == 1 ? solvers[0] : whole!;
        _groups = solvers;
    }

    private void EnsureDense()
    {
        if (_groups is not null) return;
        lock (_gate) if (_groups is null) BuildDense();
    }

    /// <summary>Signals per group.</summary>
    public int GroupSize { get; }

    /// <summary>FIR filter length.</summary>
    public int FilterLength { get; }

    /// <summary>Number of reference signals.</summary>
    public int SignalCount => _signals.Length;

    /// <summary>Samples per signal.</summary>
    public int Length { get; }

    /// <summary>The reference signals.</summary>
    public IReadOnlyList<double[]> Signals => _signals;

    /// <summary>Right-hand side for one estimate signal: <c>D[(i,a)] = Σ_t x_i(t − a)·y(t)</c>, length <c>signals·L</c>.</summary>
    public double[] RightHandSide(double[] estimate)
    {
        int l = FilterLength;
        var d = new double[_signals.Length * l];
        var tmp = new double[2 * l - 1];
        var blocks = _blockSpectra ?? throw new ObjectDisposedException(nameof(BssProjector), "The reference spectra were released.");
        var spec = _xcorr.RentSegmentSpectra(estimate);
        for (int i = 0; i < _signals.Length; i++)
        {
            _xcorr.Correlate(blocks[i], spec, tmp);
            tmp.AsSpan(l - 1, l).CopyTo(d.AsSpan(i * l, l));
        }
        System.Buffers.ArrayPool<double>.Shared.Return(spec);
        return d;
    }

    /// <summary>
    /// Returns the pooled reference spectra (no <see cref="RightHandSide"/> afterwards). Optional: a projector that is
    /// never released leaves them to the garbage collector. Not thread-safe with concurrent <see cref="RightHandSide"/>.
    /// </summary>
    public void ReleaseSpectra()
    {
        var spectra = Interlocked.Exchange(ref _blockSpectra, null);
        if (spectra is null) return;
        foreach (var b in spectra) System.Buffers.ArrayPool<double>.Shared.Return(b);
    }

    /// <summary>Filters projecting on every reference signal (solves in place).</summary>
    public void SolveAll(Span<double> rhs)
    {
        EnsureDense();
        _all!.Solve(rhs);
    }

    /// <summary><see cref="SolveAll"/> of several right-hand sides (structured when the projector was built so).</summary>
    public void SolveAllMany(double[][] rhs)
    {
        if (_structuredAll is not null && _structuredAll.TrySolve(rhs)) return;
        foreach (var d in rhs) SolveAll(d);
    }

    /// <summary><see cref="SolveGroup"/> of several right-hand sides (structured when the projector was built so).</summary>
    public void SolveGroupMany(int group, double[][] rhs)
    {
        if (_structuredGroups is not null && _structuredGroups[group].TrySolve(rhs)) return;
        foreach (var d in rhs) SolveGroup(group, d);
    }

    /// <summary>Filters projecting on group <paramref name="group"/> only; <paramref name="rhs"/> is that group's slice.</summary>
    public void SolveGroup(int group, Span<double> rhs)
    {
        EnsureDense();
        _groups![group].Solve(rhs);
    }

    /// <summary>
    /// Full linear convolution of the filters with the reference signals of <paramref name="firstSignal"/>.. (one filter
    /// of length L per signal, concatenated in <paramref name="filters"/>), over <paramref name="range"/> of each signal,
    /// accumulated into <paramref name="destination"/> of length <c>range length + L − 1</c>.
    /// </summary>
    public void AccumulateProjection(ReadOnlySpan<double> filters, int firstSignal, Range range, Span<double> destination)
    {
        int l = FilterLength;
        int signals = filters.Length / l;
        for (int s = 0; s < signals; s++)
        {
            var x = _signals[firstSignal + s].AsSpan()[range];
            var h = filters.Slice(s * l, l);
            for (int a = 0; a < l; a++)
            {
                double c = h[a];
                if (c == 0) continue;
                var dst = destination.Slice(a, x.Length);
                TensorPrimitives.MultiplyAdd(x, c, dst, dst);
            }
        }
    }
}
