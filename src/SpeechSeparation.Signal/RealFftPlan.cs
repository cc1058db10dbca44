using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SpeechSeparation.Signal;

/// <summary>
/// Real-input discrete Fourier transform of one length <c>N</c> (any N ≥ 1) for <see cref="float"/> or
/// <see cref="double"/>, returning the one-sided spectrum of <c>N/2 + 1</c> bins (as <c>numpy.fft.rfft</c>).
/// The spectrum is <b>interleaved</b> complex: bin <c>k</c> is <c>(spec[2k], spec[2k+1])</c>.
/// </summary>
/// <remarks>
/// Even lengths use one complex FFT of length N/2 plus a split step; odd lengths a complex FFT of length N.
/// <see cref="Inverse(ReadOnlySpan{T}, Span{T})"/> is the Hermitian complex-to-real transform scaled by 1/N (<c>numpy.fft.irfft</c>): it
/// ignores the imaginary part of bin 0 and, for even N, of bin N/2. Plans are immutable, cached and thread-safe;
/// steady-state calls do not allocate.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class RealFftPlan<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ConcurrentDictionary<int, RealFftPlan<T>> Cache = new();
    private readonly FftPlan<T> _complex;
    private readonly T[] _split = []; // e^{-2πi k/N}, k = 0..N/2 − 1, interleaved (even N)

    private RealFftPlan(int n)
    {
        Length = n;
        if (n % 2 == 0 && n >= 2)
        {
            _complex = FftPlan<T>.Get(n / 2);
            int h = n / 2;
            _split = new T[2 * h];
            for (int k = 0; k < h; k++)
            {
                double a = -2 * Math.PI * k / n;
                _split[2 * k] = T.CreateChecked(Math.Cos(a));
                _split[2 * k + 1] = T.CreateChecked(Math.Sin(a));
            }
        }
        else _complex = FftPlan<T>.Get(n);
    }

    /// <summary>Transform length N (real samples).</summary>
    public int Length { get; }

    /// <summary>Number of one-sided spectrum bins, <c>N/2 + 1</c>.</summary>
    public int Bins => Length / 2 + 1;

    /// <summary>The cached plan for length <paramref name="n"/> (thread-safe).</summary>
    public static RealFftPlan<T> Get(int n)
    {
        if (n < 1 || n > (1 << 28)) throw new ArgumentOutOfRangeException(nameof(n), n, "FFT length must be between 1 and 2^28.");
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"FFT plans exist for float and double, not {typeof(T).Name}.");
        return Cache.TryGetValue(n, out var p) ? p : Cache.GetOrAdd(n, static k => new RealFftPlan<T>(k));
    }

    /// <summary>Forward real FFT: <paramref name="input"/> of N samples → <paramref name="spectrum"/> of <c>2·(N/2+1)</c> values.</summary>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public void Forward(ReadOnlySpan<T> input, Span<T> spectrum)
    {
        int n = Length, bins = Bins;
        if (input.Length < n) throw new ArgumentException($"Input holds {input.Length} samples; {n} needed.", nameof(input));
        if (spectrum.Length < 2 * bins) throw new ArgumentException($"Spectrum holds {spectrum.Length} values; {2 * bins} (interleaved complex) needed.", nameof(spectrum));
        if (n % 2 == 1)
        {
            var buf = ArrayPool<T>.Shared.Rent(2 * n);
            try
            {
                var z = buf.AsSpan(0, 2 * n);
                for (int i = 0; i < n; i++) { z[2 * i] = input[i]; z[2 * i + 1] = T.Zero; }
                _complex.Forward(z, z);
                z[..(2 * bins)].CopyTo(spectrum);
            }
            finally { ArrayPool<T>.Shared.Return(buf); }
            return;
        }
        int h = n / 2;
        var rented = ArrayPool<T>.Shared.Rent(n);
        try
        {
            var zc = rented.AsSpan(0, n);
            _complex.Forward(input[..n], zc); // pairs (x[2t], x[2t+1]) as complex z[t]
            var w = _split;
            T half = T.CreateChecked(0.5);
            // k = 0 and k = h from Z[0]
            T z0r = zc[0], z0i = zc[1];
            spectrum[0] = z0r + z0i; spectrum[1] = T.Zero;
            spectrum[2 * h] = z0r - z0i; spectrum[2 * h + 1] = T.Zero;
            for (int k = 1; k <= h / 2; k++)
            {
                int m = h - k;
                T ar = zc[2 * k], ai = zc[2 * k + 1], br = zc[2 * m], bi = zc[2 * m + 1];
                // E = (Z[k] + conj Z[m])/2 ; O = (Z[k] − conj Z[m])/(2i)
                T er = half * (ar + br), ei = half * (ai - bi);
                T or = half * (ai + bi), oi = -half * (ar - br);
                T wr = w[2 * k], wi = w[2 * k + 1];
                T tr = wr * or - wi * oi, ti = wr * oi + wi * or;
                spectrum[2 * k] = er + tr; spectrum[2 * k + 1] = ei + ti;
                // X[m] = conj(E[k]) + w^m·conj(O[k]) with w^m = −conj(w^k)
                spectrum[2 * m] = er - tr; spectrum[2 * m + 1] = ti - ei;
            }
        }
        finally { ArrayPool<T>.Shared.Return(rented); }
    }

    /// <summary>
    /// Inverse real FFT (scaled by 1/N): <paramref name="spectrum"/> of <c>2·(N/2+1)</c> values → <paramref name="output"/>
    /// of N samples. The imaginary parts of bin 0 and (even N) bin N/2 are ignored.
    /// </summary>
    public void Inverse(ReadOnlySpan<T> spectrum, Span<T> output)
    {
        int n = Length, bins = Bins;
        if (spectrum.Length < 2 * bins) throw new ArgumentException($"Spectrum holds {spectrum.Length} values; {2 * bins} (interleaved complex) needed.", nameof(spectrum));
        if (output.Length < n) throw new ArgumentException($"Output holds {output.Length} samples; {n} needed.", nameof(output));
        if (n % 2 == 1)
        {
            var buf = ArrayPool<T>.Shared.Rent(2 * n);
            try
            {
                var z = buf.AsSpan(0, 2 * n);
                z[0] = spectrum[0]; z[1] = T.Zero;
                for (int k = 1; k < bins; k++)
                {
                    z[2 * k] = spectrum[2 * k]; z[2 * k + 1] = spectrum[2 * k + 1];
                    z[2 * (n - k)] = spectrum[2 * k]; z[2 * (n - k) + 1] = -spectrum[2 * k + 1];
                }
                _complex.Inverse(z, z);
                for (int i = 0; i < n; i++) output[i] = z[2 * i];
            }
            finally { ArrayPool<T>.Shared.Return(buf); }
            return;
        }
        int h = n / 2;
        var rented = ArrayPool<T>.Shared.Rent(n);
        try
        {
            var zc = rented.AsSpan(0, n);
            var w = _split;
            T half = T.CreateChecked(0.5);
            T x0 = spectrum[0], xh = spectrum[2 * h];
            // Z[0] = E[0] + i·O[0], E[0] = (X0 + Xh)/2, O[0] = (X0 − Xh)/2
            zc[0] = half * (x0 + xh); zc[1] = half * (x0 - xh);
            for (int k = 1; k <= h / 2; k++)
            {
                int m = h - k;
                T ar = spectrum[2 * k], ai = spectrum[2 * k + 1], br = spectrum[2 * m], bi = spectrum[2 * m + 1];
                // E[k] = (X[k] + conj X[m])/2 ; O[k] = (X[k] − conj X[m])/(2·w^k)
                T er = half * (ar + br), ei = half * (ai - bi);
                T dr = half * (ar - br), di = half * (ai + bi);
                T wr = w[2 * k], wi = -w[2 * k + 1]; // conj(w^k) = 1/w^k
                T or = dr * wr - di * wi, oi = dr * wi + di * wr;
                // Z[k] = E[k] + i·O[k]; Z[m] = conj(E[k]) + i·conj(O[k])
                zc[2 * k] = er - oi; zc[2 * k + 1] = ei + or;
                zc[2 * m] = er + oi; zc[2 * m + 1] = or - ei;
            }
            _complex.Inverse(zc, zc);
            zc.CopyTo(output[..n]);
        }
        finally { ArrayPool<T>.Shared.Return(rented); }
    }

    /// <summary>Forward real FFT into <see cref="Complex"/> bins (double precision plans only).</summary>
    public void Forward(ReadOnlySpan<T> input, Span<Complex> spectrum)
    {
        if (typeof(T) != typeof(double)) throw new NotSupportedException("Complex overloads need a double-precision plan.");
        Forward(input, MemoryMarshal.Cast<Complex, T>(spectrum));
    }

    /// <summary>Inverse real FFT from <see cref="Complex"/> bins (double precision plans only).</summary>
    public void Inverse(ReadOnlySpan<Complex> spectrum, Span<T> output)
    {
        if (typeof(T) != typeof(double)) throw new NotSupportedException("Complex overloads need a double-precision plan.");
        Inverse(MemoryMarshal.Cast<Complex, T>(spectrum), output);
    }
}
