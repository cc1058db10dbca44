using System.Numerics;
using System.Runtime.InteropServices;
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

    private SymmetricSolver(double[] factor, int n)
    {
        _n = n;
        _factor = factor;
    }

    /// <summary>
    /// The solver of the leading <paramref name="m"/>×<paramref name="m"/> block, taken from this Cholesky factor
    /// (null when this system needed the LU fallback).
    /// </summary>
    public SymmetricSolver? LeadingBlock(int m)
    {
        if (_pivots is not null || UsedFallback || m > _n) return null;
        var f = new double[m * m];
        for (int r = 0; r < m; r++) _factor.AsSpan(r * _n, m).CopyTo(f.AsSpan(r * m, m));
        return new SymmetricSolver(f, m);
    }

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
        const int Block = 128;
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
            UpdateTrailing(a, n, k0, k1);
        }
        // Zero the strict upper triangle so the factor is clean (not read by Solve, but keeps the array meaningful).
        for (int i = 0; i < n; i++) a.AsSpan(i * n + i + 1, n - i - 1).Clear();
        return true;
    }

    /// <summary>
    /// <c>A[i, j] −= L[i, k0:k1]·L[j, k0:k1]</c> for <c>k1 ≤ j ≤ i &lt; n</c>, in 4×4 tiles of dot products so that each
    /// loaded vector of the panel serves four products.
    /// </summary>
    private static void UpdateTrailing(double[] a, int n, int k0, int k1)
    {
        int w = k1 - k0;
        if (k1 >= n) return;
        // Pack the panel rows k1..n (columns k0..k1) contiguously: rows of the matrix lie a power-of-two stride apart,
        // which would make the tile's eight rows compete for the same cache sets.
        int rows = n - k1;
        var panel = System.Buffers.ArrayPool<double>.Shared.Rent(rows * w);
        for (int r = 0; r < rows; r++) a.AsSpan((k1 + r) * n + k0, w).CopyTo(panel.AsSpan(r * w, w));
        int vw = Vector<double>.Count;
        int vecEnd = w - w % vw;
        Span<double> dots = stackalloc double[16];
        for (int i0 = 0; i0 < rows; i0 += 4)
        {
            int ri = Math.Min(4, rows - i0);
            for (int j0 = 0; j0 <= i0 + ri - 1; j0 += 4)
            {
                int rj = Math.Min(4, rows - j0);
                TileDots(panel, w, vecEnd, i0, ri, j0, rj, dots);
                for (int di = 0; di < ri; di++)
                {
                    int i = i0 + di;
                    for (int dj = 0; dj < rj; dj++)
                    {
                        int j = j0 + dj;
                        if (j > i) break;
                        a[(k1 + i) * n + k1 + j] -= dots[di * 4 + dj];
                    }
                }
            }
        }
        System.Buffers.ArrayPool<double>.Shared.Return(panel);
    }

    /// <summary>The 4×4 dot products of packed rows <c>i0..i0+3</c> with rows <c>j0..j0+3</c> (each <paramref name="w"/> long).</summary>
    private static void TileDots(double[] p, int w, int vecEnd, int i0, int ri, int j0, int rj, Span<double> dots)
    {
        // Rows past the end reuse the last valid row (their results are ignored).
        int i1 = i0 + Math.Min(1, ri - 1), i2 = i0 + Math.Min(2, ri - 1), i3 = i0 + Math.Min(3, ri - 1);
        int j1 = j0 + Math.Min(1, rj - 1), j2 = j0 + Math.Min(2, rj - 1), j3 = j0 + Math.Min(3, rj - 1);
        var ai0 = p.AsSpan(i0 * w, w); var ai1 = p.AsSpan(i1 * w, w);
        var ai2 = p.AsSpan(i2 * w, w); var ai3 = p.AsSpan(i3 * w, w);
        var aj0 = p.AsSpan(j0 * w, w); var aj1 = p.AsSpan(j1 * w, w);
        var aj2 = p.AsSpan(j2 * w, w); var aj3 = p.AsSpan(j3 * w, w);
        Vector<double> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector<double> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector<double> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector<double> c30 = default, c31 = default, c32 = default, c33 = default;
        int vw = Vector<double>.Count;
        ref double a0 = ref MemoryMarshal.GetArrayDataReference(p);
        nuint oi0 = (nuint)(i0 * w), oi1 = (nuint)(i1 * w), oi2 = (nuint)(i2 * w), oi3 = (nuint)(i3 * w);
        nuint oj0 = (nuint)(j0 * w), oj1 = (nuint)(j1 * w), oj2 = (nuint)(j2 * w), oj3 = (nuint)(j3 * w);
        // Every load lies inside the row segments sliced above (k < vecEnd ≤ w).
        for (nuint k = 0; k < (nuint)vecEnd; k += (nuint)vw)
        {
            var x0 = Vector.LoadUnsafe(ref a0, oi0 + k); var x1 = Vector.LoadUnsafe(ref a0, oi1 + k);
            var x2 = Vector.LoadUnsafe(ref a0, oi2 + k); var x3 = Vector.LoadUnsafe(ref a0, oi3 + k);
            var y0 = Vector.LoadUnsafe(ref a0, oj0 + k); var y1 = Vector.LoadUnsafe(ref a0, oj1 + k);
            var y2 = Vector.LoadUnsafe(ref a0, oj2 + k); var y3 = Vector.LoadUnsafe(ref a0, oj3 + k);
            c00 = Vector.FusedMultiplyAdd(x0, y0, c00); c01 = Vector.FusedMultiplyAdd(x0, y1, c01);
            c02 = Vector.FusedMultiplyAdd(x0, y2, c02); c03 = Vector.FusedMultiplyAdd(x0, y3, c03);
            c10 = Vector.FusedMultiplyAdd(x1, y0, c10); c11 = Vector.FusedMultiplyAdd(x1, y1, c11);
            c12 = Vector.FusedMultiplyAdd(x1, y2, c12); c13 = Vector.FusedMultiplyAdd(x1, y3, c13);
            c20 = Vector.FusedMultiplyAdd(x2, y0, c20); c21 = Vector.FusedMultiplyAdd(x2, y1, c21);
            c22 = Vector.FusedMultiplyAdd(x2, y2, c22); c23 = Vector.FusedMultiplyAdd(x2, y3, c23);
            c30 = Vector.FusedMultiplyAdd(x3, y0, c30); c31 = Vector.FusedMultiplyAdd(x3, y1, c31);
            c32 = Vector.FusedMultiplyAdd(x3, y2, c32); c33 = Vector.FusedMultiplyAdd(x3, y3, c33);
        }
        dots[0] = Vector.Sum(c00); dots[1] = Vector.Sum(c01); dots[2] = Vector.Sum(c02); dots[3] = Vector.Sum(c03);
        dots[4] = Vector.Sum(c10); dots[5] = Vector.Sum(c11); dots[6] = Vector.Sum(c12); dots[7] = Vector.Sum(c13);
        dots[8] = Vector.Sum(c20); dots[9] = Vector.Sum(c21); dots[10] = Vector.Sum(c22); dots[11] = Vector.Sum(c23);
        dots[12] = Vector.Sum(c30); dots[13] = Vector.Sum(c31); dots[14] = Vector.Sum(c32); dots[15] = Vector.Sum(c33);
        for (int k = vecEnd; k < w; k++)
        {
            double x0 = ai0[k], x1 = ai1[k], x2 = ai2[k], x3 = ai3[k];
            double y0 = aj0[k], y1 = aj1[k], y2 = aj2[k], y3 = aj3[k];
            dots[0] += x0 * y0; dots[1] += x0 * y1; dots[2] += x0 * y2; dots[3] += x0 * y3;
            dots[4] += x1 * y0; dots[5] += x1 * y1; dots[6] += x1 * y2; dots[7] += x1 * y3;
            dots[8] += x2 * y0; dots[9] += x2 * y1; dots[10] += x2 * y2; dots[11] += x2 * y3;
            dots[12] += x3 * y0; dots[13] += x3 * y1; dots[14] += x3 * y2; dots[15] += x3 * y3;
        }
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
