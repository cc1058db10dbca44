namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// The fixed kernels of <see cref="ConvStft"/> / <see cref="ConviStft"/>, rebuilt from the formulas of ModelScope's
/// <c>conv_stft.py</c> in float64 (then cast to float32): the square-root window, the truncated real-DFT matrix
/// <c>K [2F, win_len]</c> and its Moore–Penrose pseudo-inverse.
/// </summary>
public static class StftKernels
{
    /// <summary>
    /// <c>get_window(win_type, win_len, fftbins=True) ** 0.5</c>: periodic Hann for <c>hann</c>/<c>hanning</c>, periodic
    /// Hamming for <c>hamming</c>, all ones for null/<c>None</c>.
    /// </summary>
    public static double[] SqrtWindow(int winLen, string? winType)
    {
        var w = new double[winLen];
        for (int n = 0; n < winLen; n++)
        {
            double c = Math.Cos(2 * Math.PI * n / winLen);
            w[n] = winType switch
            {
                null or "None" or "none" => 1.0,
                "hann" or "hanning" => Math.Sqrt(0.5 - 0.5 * c),
                "hamming" => Math.Sqrt(0.54 - 0.46 * c),
                _ => throw new ArgumentException($"Unsupported window type '{winType}' (hann, hanning, hamming, None).", nameof(winType)),
            };
        }
        return w;
    }

    /// <summary><c>K[k, n] = cos(2πkn/N)</c> for k &lt; F and <c>K[F+k, n] = −sin(2πkn/N)</c>, row-major [2F, win_len].</summary>
    public static double[,] FourierMatrix(int winLen, int fftLen)
    {
        int f = fftLen / 2 + 1;
        var k = new double[2 * f, winLen];
        for (int r = 0; r < f; r++)
            for (int n = 0; n < winLen; n++)
            {
                // Reduce k·n mod N first so the angle is exact for large products.
                long m = (long)r * n % fftLen;
                double a = 2 * Math.PI * m / fftLen;
                k[r, n] = Math.Cos(a);
                k[f + r, n] = -Math.Sin(a);
            }
        return k;
    }

    /// <summary>Analysis kernel <c>(K · w)[:, None, :]</c> as float32 values, shape [2F, 1, win_len].</summary>
    public static float[] Analysis(int winLen, int fftLen, string? winType)
    {
        var w = SqrtWindow(winLen, winType);
        var k = FourierMatrix(winLen, fftLen);
        int rows = k.GetLength(0);
        var r = new float[rows * winLen];
        for (int i = 0; i < rows; i++)
            for (int n = 0; n < winLen; n++)
                r[i * winLen + n] = (float)(k[i, n] * w[n]);
        return r;
    }

    /// <summary>
    /// Synthesis kernel <c>(pinv(K).T · w)[:, None, :]</c> as float32 values, shape [2F, 1, win_len].
    /// <c>KᵀK = (N/2)·I + ½(11ᵀ + aaᵀ)</c> with <c>a[n] = (−1)ⁿ</c> for even N (without the <c>aaᵀ</c> term for odd N),
    /// so <c>pinv(K) = (KᵀK)⁻¹Kᵀ</c> is evaluated exactly with the Woodbury identity.
    /// </summary>
    public static float[] Synthesis(int winLen, int fftLen, string? winType)
    {
        var w = SqrtWindow(winLen, winType);
        var k = FourierMatrix(winLen, fftLen);
        int rows = k.GetLength(0);
        double c = fftLen / 2.0;
        // U: [win_len, r] with r = 2 (even N: ones and alternating signs) or 1 (odd N: ones).
        int rank = fftLen % 2 == 0 ? 2 : 1;
        var u = new double[winLen, rank];
        for (int n = 0; n < winLen; n++)
        {
            u[n, 0] = 1;
            if (rank == 2) u[n, 1] = n % 2 == 0 ? 1 : -1;
        }
        // M = (2c·I + UᵀU)⁻¹ (r×r).
        var g = new double[rank, rank];
        for (int i = 0; i < rank; i++)
            for (int j = 0; j < rank; j++)
            {
                double s = i == j ? 2 * c : 0;
                for (int n = 0; n < winLen; n++) s += u[n, i] * u[n, j];
                g[i, j] = s;
            }
        var m = new double[rank, rank];
        if (rank == 1) m[0, 0] = 1 / g[0, 0];
        else
        {
            double det = g[0, 0] * g[1, 1] - g[0, 1] * g[1, 0];
            m[0, 0] = g[1, 1] / det; m[1, 1] = g[0, 0] / det;
            m[0, 1] = -g[0, 1] / det; m[1, 0] = -g[1, 0] / det;
        }
        var result = new float[rows * winLen];
        var s2 = new double[rank];
        var t = new double[rank];
        for (int r = 0; r < rows; r++)
        {
            // s_j = Σ_n U[n, j]·K[r, n]; t = M·s.
            for (int j = 0; j < rank; j++)
            {
                double s = 0;
                for (int n = 0; n < winLen; n++) s += u[n, j] * k[r, n];
                s2[j] = s;
            }
            for (int i = 0; i < rank; i++)
            {
                double s = 0;
                for (int j = 0; j < rank; j++) s += m[i, j] * s2[j];
                t[i] = s;
            }
            for (int n = 0; n < winLen; n++)
            {
                double corr = 0;
                for (int i = 0; i < rank; i++) corr += u[n, i] * t[i];
                double pinv = (k[r, n] - corr) / c; // pinv(K)[n, r]
                result[r * winLen + n] = (float)(pinv * w[n]);
            }
        }
        return result;
    }
}
