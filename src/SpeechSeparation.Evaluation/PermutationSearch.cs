namespace SpeechSeparation.Evaluation;

/// <summary>Whether a permutation search looks for the smallest (losses) or the largest (scores) mean.</summary>
public enum PermutationObjective
{
    /// <summary>Smallest mean of the selected entries (a loss matrix).</summary>
    Minimize,

    /// <summary>Largest mean of the selected entries (a score matrix such as SI-SNR or SIR).</summary>
    Maximize,
}

/// <summary>
/// Best assignment of rows to columns of a square matrix: <c>assignment[row] = column</c>, optimising the mean of the
/// selected entries. Small sizes are searched exhaustively in <c>itertools.permutations</c> (lexicographic) order keeping the
/// first strict optimum, as SpeechBrain's <c>PitWrapper</c>, Asteroid's <c>PITLossWrapper</c> (C ≤ 3) and
/// <c>mir_eval.separation.bss_eval_sources</c> do; larger sizes use the Hungarian algorithm (as Asteroid does for C &gt; 3),
/// which finds the same optimum and can only differ from the exhaustive search among exact ties.
/// </summary>
public static class PermutationSearch
{
    /// <summary>Asteroid's threshold: exhaustive search up to this many sources, Hungarian beyond.</summary>
    public const int DefaultExhaustiveLimit = 3;

    /// <summary>Finds the best assignment; exhaustive when <paramref name="n"/> ≤ <paramref name="exhaustiveLimit"/>, Hungarian otherwise.</summary>
    /// <param name="matrix">Row-major <c>[n, n]</c> matrix.</param>
    /// <param name="n">Matrix size.</param>
    /// <param name="objective">Minimise or maximise the mean.</param>
    /// <param name="exhaustiveLimit">Largest size searched exhaustively.</param>
    public static int[] Find(ReadOnlySpan<double> matrix, int n, PermutationObjective objective, int exhaustiveLimit = DefaultExhaustiveLimit) =>
        n <= exhaustiveLimit ? Exhaustive(matrix, n, objective) : Hungarian(matrix, n, objective);

    /// <summary>
    /// Exhaustive search over all <c>n!</c> permutations in lexicographic order; the first permutation with the strictly
    /// best mean wins. Limited to n ≤ 10.
    /// </summary>
    public static int[] Exhaustive(ReadOnlySpan<double> matrix, int n, PermutationObjective objective)
    {
        CheckSquare(matrix, n);
        if (n > 10) throw new ArgumentOutOfRangeException(nameof(n), n, "Exhaustive permutation search is limited to 10 sources; use Hungarian.");
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        int[] best = (int[])perm.Clone();
        double bestMean = objective == PermutationObjective.Minimize ? double.PositiveInfinity : double.NegativeInfinity;
        do
        {
            double sum = 0;
            for (int r = 0; r < n; r++) sum += matrix[r * n + perm[r]];
            double mean = sum / n;
            bool better = objective == PermutationObjective.Minimize ? mean < bestMean : mean > bestMean;
            if (better)
            {
                bestMean = mean;
                Array.Copy(perm, best, n);
            }
        } while (NextPermutation(perm));
        return best;
    }

    /// <summary>The Hungarian algorithm (shortest augmenting paths with potentials, O(n³)); infinities are clamped to ±1e300.</summary>
    public static int[] Hungarian(ReadOnlySpan<double> matrix, int n, PermutationObjective objective)
    {
        CheckSquare(matrix, n);
        double sign = objective == PermutationObjective.Minimize ? 1.0 : -1.0;
        var a = new double[n * n];
        for (int i = 0; i < a.Length; i++)
        {
            double v = matrix[i];
            if (double.IsNaN(v)) throw new ArgumentException($"The matrix holds NaN at entry {i}.", nameof(matrix));
            a[i] = Math.Clamp(sign * v, -1e300, 1e300);
        }
        // 1-based potentials formulation: u (rows), v (columns), p[col] = row matched to col.
        var u = new double[n + 1];
        var v2 = new double[n + 1];
        var p = new int[n + 1];
        var way = new int[n + 1];
        var minv = new double[n + 1];
        var used = new bool[n + 1];
        for (int i = 1; i <= n; i++)
        {
            p[0] = i;
            int j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Fill(used, false);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    double cur = a[(i0 - 1) * n + (j - 1)] - u[i0] - v2[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= n; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v2[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            do
            {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        var assignment = new int[n];
        for (int j = 1; j <= n; j++) assignment[p[j] - 1] = j - 1;
        return assignment;
    }

    /// <summary>The mean of the entries selected by <paramref name="assignment"/> (<c>matrix[row, assignment[row]]</c>).</summary>
    public static double MeanOf(ReadOnlySpan<double> matrix, int n, ReadOnlySpan<int> assignment)
    {
        CheckSquare(matrix, n);
        double sum = 0;
        for (int r = 0; r < n; r++) sum += matrix[r * n + assignment[r]];
        return sum / n;
    }

    /// <summary>The inverse permutation: <c>inverse[perm[i]] = i</c>.</summary>
    public static int[] Invert(ReadOnlySpan<int> perm)
    {
        var inv = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inv[perm[i]] = i;
        return inv;
    }

    /// <summary>Transposes a row-major square matrix.</summary>
    internal static double[] Transpose(ReadOnlySpan<double> m, int n)
    {
        var t = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) t[j * n + i] = m[i * n + j];
        return t;
    }

    private static void CheckSquare(ReadOnlySpan<double> matrix, int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The matrix size must be positive.");
        if (matrix.Length != n * n) throw new ArgumentException($"The matrix holds {matrix.Length} entries; a {n}×{n} matrix needs {n * n}.", nameof(matrix));
    }

    /// <summary>Advances <paramref name="a"/> to the next permutation in lexicographic order; false after the last one.</summary>
    public static bool NextPermutation(int[] a)
    {
        int i = a.Length - 2;
        while (i >= 0 && a[i] >= a[i + 1]) i--;
        if (i < 0) return false;
        int j = a.Length - 1;
        while (a[j] <= a[i]) j--;
        (a[i], a[j]) = (a[j], a[i]);
        Array.Reverse(a, i + 1, a.Length - i - 1);
        return true;
    }
}
