using System.Numerics.Tensors;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// Solves <c>G·c = d</c> for a symmetric Gram matrix <c>G</c> (BSS Eval's projection systems): Cholesky when <c>G</c> is
/// numerically positive definite (the normal case; LAPACK <c>gesv</c>, which mir_eval uses, gives the same solution to
/// ~1e-13 dB), LU with partial pivoting otherwise, and a tiny ridge (1e-12 of the mean diagonal) when even LU finds the
/// matrix singular (mir_eval falls back to least squares there). Factor once, solve many right-hand sides.
/// </summary>
internal sealed class SymmetricSolver
{
    private readonly int _n;
    private readonly double[] _factor; // row-major; lower Cholesky factor, or LU with pivots
    private readonly int[]? _pivots;

    /// <summary>Factorises the row-major <c>[n, n]</c> matrix <paramref name="g"/> (not modified).</summary>
    public SymmetricSolver(ReadOnlySpan<double> g, int n)
    {
        _n = n;
        _factor = g.ToArray();
        if (TryCholesky(_factor, n)) return;
        _factor = g.ToArray();
        _pivots = new int[n];
        if (TryLu(_factor, n, _pivots)) return;
        double trace = 0;
        for (int i = 0; i < n; i++) trace += g[i * n + i];
        double ridge = Math.Max(1e-12 * trace / n, double.Epsilon);
        _factor = g.ToArray();
        for (int i = 0; i < n; i++) _factor[i * n + i] += ridge;
        if (!TryLu(_factor, n, _pivots))
            throw new InvalidOperationException("The BSS Eval projection system is singular even after regularisation (are the reference signals all zero?).");
        UsedFallback = true;
    }

    /// <summary>Whether the matrix had to be regularised.</summary>
    public bool UsedFallback { get; }

    /// <summary>Solves in place: on return <paramref name="b"/> holds the solution.</summary>
    public void Solve(Span<double> b)
    {
        int n = _n;
        var f = _factor;
        if (_pivots is null)
        {
            // L y = b (row dots), then Lᵀ x = y (row axpys, backwards).
            for (int i = 0; i < n; i++)
            {
                var row = f.AsSpan(i * n, i);
                b[i] = (b[i] - TensorPrimitives.Dot(row, b[..i])) / f[i * n + i];
            }
            for (int i = n - 1; i >= 0; i--)
            {
                double xi = b[i] / f[i * n + i];
                b[i] = xi;
                if (i > 0) TensorPrimitives.MultiplyAdd(f.AsSpan(i * n, i), -xi, b[..i], b[..i]);
            }
            return;
        }
        for (int i = 0; i < n; i++)
        {
            int p = _pivots[i];
            if (p != i) (b[i], b[p]) = (b[p], b[i]);
        }
        for (int i = 0; i < n; i++) b[i] -= TensorPrimitives.Dot(f.AsSpan(i * n, i), b[..i]);
        for (int i = n - 1; i >= 0; i--)
            b[i] = (b[i] - TensorPrimitives.Dot(f.AsSpan(i * n + i + 1, n - i - 1), b[(i + 1)..])) / f[i * n + i];
    }

    /// <summary>Blocked right-looking Cholesky (lower) in place; false when a pivot is not positive.</summary>
    internal static bool TryCholesky(double[] a, int n)
    {
        const int Block = 64;
        for (int k0 = 0; k0 < n; k0 += Block)
        {
            int k1 = Math.Min(k0 + Block, n);
            // Factor the diagonal block and the panel below it (rows k0..n, columns k0..k1), left-looking within the block.
            for (int j = k0; j < k1; j++)
            {
                var rowJ = a.AsSpan(j * n + k0, j - k0);
                double d = a[j * n + j] - TensorPrimitives.Dot(rowJ, rowJ);
                if (!(d > 0)) return false;
                double ljj = Math.Sqrt(d);
                a[j * n + j] = ljj;
                for (int i = j + 1; i < n; i++)
                {
                    var rowI = a.AsSpan(i * n + k0, j - k0);
                    a[i * n + j] = (a[i * n + j] - TensorPrimitives.Dot(rowI, rowJ)) / ljj;
                }
            }
            // Update the trailing matrix (lower part): A[i, j] -= L[i, k0:k1] · L[j, k0:k1] for k1 ≤ j ≤ i.
            int w = k1 - k0;
            for (int i = k1; i < n; i++)
            {
                var li = a.AsSpan(i * n + k0, w);
                for (int j = k1; j <= i; j++)
                    a[i * n + j] -= TensorPrimitives.Dot(li, a.AsSpan(j * n + k0, w));
            }
        }
        // Zero the strict upper triangle so the factor is clean (not read by Solve, but keeps the array meaningful).
        for (int i = 0; i < n; i++) a.AsSpan(i * n + i + 1, n - i - 1).Clear();
        return true;
    }

    /// <summary>LU with partial pivoting in place (Doolittle, unit lower); false when a pivot is exactly zero.</summary>
    internal static bool TryLu(double[] a, int n, int[] pivots)
    {
        for (int k = 0; k < n; k++)
        {
            int p = k;
            double max = Math.Abs(a[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(a[i * n + k]);
                if (v > max) { max = v; p = i; }
            }
            pivots[k] = p;
            if (max == 0) return false;
            if (p != k)
            {
                var rk = a.AsSpan(k * n, n);
                var rp = a.AsSpan(p * n, n);
                for (int c = 0; c < n; c++) (rk[c], rp[c]) = (rp[c], rk[c]);
            }
            double pivot = a[k * n + k];
            var rowK = a.AsSpan(k * n + k + 1, n - k - 1);
            for (int i = k + 1; i < n; i++)
            {
                double l = a[i * n + k] / pivot;
                a[i * n + k] = l;
                if (l != 0) TensorPrimitives.MultiplyAdd(rowK, -l, a.AsSpan(i * n + k + 1, n - k - 1), a.AsSpan(i * n + k + 1, n - k - 1));
            }
        }
        return true;
    }
}
