using System.Numerics.Tensors;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// Solves the BSS Eval Gram systems through their structure: with lag-major ordering the Gram matrix of <c>s</c> signals and
/// <c>L</c> lags is block Toeplitz, block <c>(a, b)</c> being <c>R(a − b)</c> with <c>R(m)[i, k] = corr_ik(m)</c> and
/// <c>R(−m) = R(m)ᵀ</c>. The block Levinson (Whittle–Wiggins–Robinson) recursion solves it in <c>O(s³L²)</c> instead of
/// Cholesky's <c>O(s³L³)</c>; because that recursion is only weakly stable, every solution is then refined against the
/// exact block-Toeplitz product until the correction is at rounding level, which gives the residual quality of a
/// backward-stable factorisation. <see cref="TrySolve"/> reports failure (the caller falls back to the dense
/// factorisation) when a pivot block is singular or the refinement does not converge.
/// </summary>
internal sealed class BlockToeplitzSolver
{
    private readonly int _s, _l;
    // Component-major: R_ik(m) at _r[(i·s + k)·L + m], and reversed, R_ik(L − 1 − t) at _rRev[(i·s + k)·L + t], so that
    // every sum over lags is a contiguous dot product.
    private readonly double[] _r, _rRev;

    /// <param name="correlations">corr[i, k][m + L − 1] = Σ_u x_i(u)·x_k(u + m), |m| &lt; L.</param>
    /// <param name="signals">Which signals (indices into <paramref name="correlations"/>) form the system, in order.</param>
    /// <param name="lags">L.</param>
    /// <param name="diagonalLoading">Added to the diagonal.</param>
    public BlockToeplitzSolver(double[,][] correlations, ReadOnlySpan<int> signals, int lags, double diagonalLoading)
    {
        int s = signals.Length, l = lags;
        _s = s; _l = l;
        _r = new double[s * s * l];
        _rRev = new double[s * s * l];
        for (int i = 0; i < s; i++)
            for (int k = 0; k < s; k++)
            {
                var c = correlations[signals[i], signals[k]];
                for (int m = 0; m < l; m++)
                {
                    double v = c[m + l - 1] + (m == 0 && i == k ? diagonalLoading : 0.0);
                    _r[(i * s + k) * l + m] = v;
                    _rRev[(i * s + k) * l + l - 1 - m] = v;
                }
            }
    }

    private ReadOnlySpan<double> R(int i, int k, int from, int length) => _r.AsSpan((i * _s + k) * _l + from, length);

    /// <summary>R_ik(n − j) for j = 0..n−1 (ascending j).</summary>
    private ReadOnlySpan<double> RDown(int i, int k, int n) => _rRev.AsSpan((i * _s + k) * _l + _l - 1 - n, n);

    /// <summary>
    /// Solves in place for every right-hand side (each in signal-major layout, index <c>i·L + a</c>); false (with the
    /// right-hand sides unchanged) when the structured solve cannot be trusted.
    /// </summary>
    public bool TrySolve(double[][] rhs)
    {
        int s = _s, l = _l, count = rhs.Length, cols = s * count;
        // Component-major: column (i, c) at [(i·count + c)·L .. + L).
        var b = new double[cols * l];
        for (int c = 0; c < count; c++)
            for (int i = 0; i < s; i++) rhs[c].AsSpan(i * l, l).CopyTo(b.AsSpan((i * count + c) * l, l));
        var x = new double[cols * l];
        if (!Levinson(b, x, count)) return false;
        var res = new double[cols * l];
        var dx = new double[cols * l];
        // Normwise backward error η = ‖b − T·x‖∞ / (‖T‖∞·‖x‖∞ + ‖b‖∞), refined until it is at rounding level.
        double tNorm = 0;
        for (int i = 0; i < s; i++)
        {
            double row = 0;
            for (int k = 0; k < s; k++)
                row += TensorPrimitives.SumOfMagnitudes(R(i, k, 0, l)) + TensorPrimitives.SumOfMagnitudes(R(k, i, 0, l));
            tNorm = Math.Max(tNorm, row);
        }
        double bNorm = MaxAbs(b), previous = double.PositiveInfinity;
        bool converged = false;
        for (int iter = 0; iter < 8; iter++)
        {
            Residual(b, x, res, count);
            double eta = MaxAbs(res) / (tNorm * MaxAbs(x) + bNorm);
            if (!double.IsFinite(eta)) return false;
            if (eta <= 1e-14) { converged = true; break; }
            if (eta > 0.5 * previous) { converged = eta <= 1e-12; break; }
            previous = eta;
            if (!Levinson(res, dx, count)) return false;
            TensorPrimitives.Add(x, dx, x);
        }
        if (!converged) return false;
        for (int c = 0; c < count; c++)
            for (int i = 0; i < s; i++) x.AsSpan((i * count + c) * l, l).CopyTo(rhs[c].AsSpan(i * l, l));
        return true;
    }

    private static double MaxAbs(double[] v) => v.Length == 0 ? 0 : Math.Abs(TensorPrimitives.MaxMagnitude(v));

    /// <summary><c>res = b − T·x</c> with the exact block-Toeplitz product.</summary>
    private void Residual(double[] b, double[] x, double[] res, int count)
    {
        int s = _s, l = _l;
        Array.Copy(b, res, b.Length);
        for (int i = 0; i < s; i++)
            for (int c = 0; c < count; c++)
            {
                var ri = res.AsSpan((i * count + c) * l, l);
                for (int k = 0; k < s; k++)
                {
                    var xk = x.AsSpan((k * count + c) * l, l);
                    for (int a = 0; a < l; a++)
                    {
                        // Σ_{b≤a} R_ik(a − b)·x_k(b) + Σ_{b>a} R_ki(b − a)·x_k(b)
                        double v = TensorPrimitives.Dot(_rRev.AsSpan((i * s + k) * l + l - 1 - a, a + 1), xk[..(a + 1)]);
                        if (a + 1 < l) v += TensorPrimitives.Dot(R(k, i, 1, l - 1 - a), xk[(a + 1)..]);
                        ri[a] -= v;
                    }
                }
            }
    }

    /// <summary>The block Levinson recursion: <c>x = T⁻¹·b</c> (component-major columns).</summary>
    private bool Levinson(double[] b, double[] x, int count)
    {
        int s = _s, l = _l, ss = s * s, cols = s * count;
        // F_ik(j) at f[(i·s + k)·L + j]; likewise G.
        var f = new double[ss * l]; var g = new double[ss * l];
        var f2 = new double[ss * l]; var g2 = new double[ss * l];
        var pf = new double[ss]; var pb = new double[ss];
        var df = new double[ss]; var db = new double[ss];
        var kf = new double[ss]; var kb = new double[ss];
        var w = new double[cols];
        var tmp = new double[ss];
        for (int i = 0; i < s; i++) { f[(i * s + i) * l] = 1; g[(i * s + i) * l] = 1; }
        for (int q = 0; q < ss; q++) { pf[q] = _r[q * l]; pb[q] = _r[q * l]; }
        Array.Clear(x);
        for (int q = 0; q < cols; q++) w[q] = b[q * l];
        if (!SmallSolve(pb, w, s, count, tmp)) return false;
        for (int q = 0; q < cols; q++) x[q * l] = w[q];
        for (int n = 1; n < l; n++)
        {
            // Δf = Σ_{j<n} R(n − j)·F_j ; Δb = Σ_{j<n} R(j + 1)ᵀ·G_j.
            for (int i = 0; i < s; i++)
                for (int k2 = 0; k2 < s; k2++)
                {
                    double vf = 0, vb = 0;
                    for (int k = 0; k < s; k++)
                    {
                        vf += TensorPrimitives.Dot(RDown(i, k, n), f.AsSpan((k * s + k2) * l, n));
                        vb += TensorPrimitives.Dot(R(k, i, 1, n), g.AsSpan((k * s + k2) * l, n));
                    }
                    df[i * s + k2] = vf; db[i * s + k2] = vb;
                }
            df.CopyTo(kf); db.CopyTo(kb);
            if (!SmallSolve(pb, kf, s, s, tmp) || !SmallSolve(pf, kb, s, s, tmp)) return false;
            // F' = [F; 0] − [0; G]·Kf ; G' = [0; G] − [F; 0]·Kb (components over j = 0..n).
            for (int i = 0; i < s; i++)
                for (int k2 = 0; k2 < s; k2++)
                {
                    var fo = f2.AsSpan((i * s + k2) * l, n + 1);
                    var go = g2.AsSpan((i * s + k2) * l, n + 1);
                    f.AsSpan((i * s + k2) * l, n).CopyTo(fo); fo[n] = 0;
                    go[0] = 0; g.AsSpan((i * s + k2) * l, n).CopyTo(go[1..]);
                    for (int k = 0; k < s; k++)
                    {
                        TensorPrimitives.MultiplyAdd(g.AsSpan((i * s + k) * l, n), -kf[k * s + k2], fo[1..], fo[1..]);
                        TensorPrimitives.MultiplyAdd(f.AsSpan((i * s + k) * l, n), -kb[k * s + k2], go[..n], go[..n]);
                    }
                }
            // Pf' = Pf − Δb·Kf ; Pb' = Pb − Δf·Kb.
            MulSub(db, kf, pf, s);
            MulSub(df, kb, pb, s);
            (f, f2) = (f2, f); (g, g2) = (g2, g);
            // e = Σ_{j<n} R(n − j)·x_j ; x += G·Pb⁻¹·(b_n − e).
            for (int i = 0; i < s; i++)
                for (int c = 0; c < count; c++)
                {
                    double v = b[(i * count + c) * l + n];
                    for (int k = 0; k < s; k++) v -= TensorPrimitives.Dot(RDown(i, k, n), x.AsSpan((k * count + c) * l, n));
                    w[i * count + c] = v;
                }
            if (!SmallSolve(pb, w, s, count, tmp)) return false;
            for (int i = 0; i < s; i++)
                for (int c = 0; c < count; c++)
                {
                    var xi = x.AsSpan((i * count + c) * l, n + 1);
                    for (int k = 0; k < s; k++)
                        TensorPrimitives.MultiplyAdd(g.AsSpan((i * s + k) * l, n + 1), w[k * count + c], xi, xi);
                }
        }
        return true;
    }

    /// <summary><c>acc −= a·bm</c> (s×s row-major).</summary>
    private static void MulSub(ReadOnlySpan<double> a, ReadOnlySpan<double> bm, Span<double> acc, int s)
    {
        for (int i = 0; i < s; i++)
            for (int k = 0; k < s; k++)
            {
                double v = a[i * s + k];
                for (int j = 0; j < s; j++) acc[i * s + j] -= v * bm[k * s + j];
            }
    }

    /// <summary>Solves <c>a·X = rhs</c> (s×s, <paramref name="cols"/> columns) in place by partial-pivoting elimination.</summary>
    private static bool SmallSolve(ReadOnlySpan<double> a, Span<double> rhs, int s, int cols, double[] work)
    {
        a.CopyTo(work);
        for (int k = 0; k < s; k++)
        {
            int p = k;
            for (int i = k + 1; i < s; i++) if (Math.Abs(work[i * s + k]) > Math.Abs(work[p * s + k])) p = i;
            double piv = work[p * s + k];
            if (!(Math.Abs(piv) > 0) || !double.IsFinite(piv)) return false;
            if (p != k)
            {
                for (int j = 0; j < s; j++) (work[k * s + j], work[p * s + j]) = (work[p * s + j], work[k * s + j]);
                for (int c = 0; c < cols; c++) (rhs[k * cols + c], rhs[p * cols + c]) = (rhs[p * cols + c], rhs[k * cols + c]);
            }
            for (int i = k + 1; i < s; i++)
            {
                double m = work[i * s + k] / piv;
                if (m == 0) continue;
                for (int j = k; j < s; j++) work[i * s + j] -= m * work[k * s + j];
                for (int c = 0; c < cols; c++) rhs[i * cols + c] -= m * rhs[k * cols + c];
            }
        }
        for (int k = s - 1; k >= 0; k--)
            for (int c = 0; c < cols; c++)
            {
                double v = rhs[k * cols + c];
                for (int j = k + 1; j < s; j++) v -= work[k * s + j] * rhs[j * cols + c];
                rhs[k * cols + c] = v / work[k * s + k];
            }
        return true;
    }
}
