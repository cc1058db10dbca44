using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpeechSeparation.Signal;

/// <summary>
/// A complex discrete Fourier transform of one length, for <see cref="float"/> or <see cref="double"/> samples.
/// Complex data is <b>interleaved</b>: element <c>k</c> is <c>(data[2k], data[2k+1])</c> = (real, imaginary).
/// <see cref="Forward(ReadOnlySpan{T}, Span{T})"/> computes <c>X[k] = Σ x[n]·e^{−2πi·kn/N}</c> (unnormalised); <see cref="Inverse(ReadOnlySpan{T}, Span{T})"/> computes
/// <c>x[n] = (1/N)·Σ X[k]·e^{+2πi·kn/N}</c> (normalised, as NumPy/torch <c>ifft</c>).
/// </summary>
/// <remarks>
/// Any length ≥ 1: a mixed-radix Stockham autosort algorithm (radices 4, 2, 3, 5 and direct odd-prime butterflies up
/// to 31), with Bluestein's chirp-z algorithm for lengths that have a larger prime factor. Twiddle factors are
/// computed in double precision. Plans are immutable and thread-safe; obtain them from the cache with
/// <see cref="Get"/>. Scratch memory comes from <see cref="ArrayPool{T}"/>, so steady-state calls do not allocate.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class FftPlan<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int MaxDirectPrime = 31;

    /// <summary>Whether the SIMD stage kernels may run (tests switch them off to compare with the scalar stages, whose results they reproduce exactly).</summary>
    internal static bool VectorKernels = true;
    private static readonly ConcurrentDictionary<int, FftPlan<T>> Cache = new();

    private readonly Stage[] _stages = [];
    // Bluestein
    private readonly FftPlan<T>? _conv;
    private readonly T[]? _chirp;      // e^{-πi k²/N}, interleaved, length 2N
    private readonly T[]? _chirpFft;   // FFT of the conjugate chirp filter / M, interleaved, length 2M

    private sealed class Stage
    {
        public int Radix, L, R; // l = sub-transform length before, r' = N / (l·radix)
        public T[] Twiddles = [];   // forward twiddles [j][q-1] interleaved: (radix−1)·l complex
        public T[] TwiddlesInv = [];
        public T[] Roots = [];      // radix-p roots e^{-2πi m/p}, m = 0..p−1 (generic butterfly)
    }

    private FftPlan(int n)
    {
        Length = n;
        var factors = Factor(n);
        if (factors.Any(f => f > MaxDirectPrime))
        {
            int m = 1;
            while (m < 2 * n - 1) m <<= 1;
            _conv = Get(m);
            _chirp = new T[2 * n];
            long twoN = 2L * n;
            for (long k = 0; k < n; k++)
            {
                double a = -Math.PI * ((k * k) % twoN) / n;
                _chirp[2 * k] = T.CreateChecked(Math.Cos(a));
                _chirp[2 * k + 1] = T.CreateChecked(Math.Sin(a));
            }
            var b = new T[2 * m];
            for (long k = 0; k < n; k++)
            {
                double a = Math.PI * ((k * k) % twoN) / n;
                T c = T.CreateChecked(Math.Cos(a) / m), s = T.CreateChecked(Math.Sin(a) / m);
                b[2 * k] = c; b[2 * k + 1] = s;
                if (k > 0) { b[2 * (m - k)] = c; b[2 * (m - k) + 1] = s; }
            }
            _chirpFft = new T[2 * m];
            _conv.Forward(b, _chirpFft);
            return;
        }
        var stages = new List<Stage>();
        int l = 1;
        foreach (int p in factors)
        {
            int L = l * p;
            var st = new Stage { Radix = p, L = l, R = n / L };
            st.Twiddles = new T[2 * (p - 1) * l];
            st.TwiddlesInv = new T[2 * (p - 1) * l];
            for (int j = 0; j < l; j++)
                for (int q = 1; q < p; q++)
                {
                    long e = (long)q * j % L;
                    double a = -2 * Math.PI * e / L;
                    int idx = 2 * (j * (p - 1) + q - 1);
                    st.Twiddles[idx] = T.CreateChecked(Math.Cos(a));
                    st.Twiddles[idx + 1] = T.CreateChecked(Math.Sin(a));
                    st.TwiddlesInv[idx] = st.Twiddles[idx];
                    st.TwiddlesInv[idx + 1] = -st.Twiddles[idx + 1];
                }
            if (p > 5)
            {
                st.Roots = new T[2 * p];
                for (int m = 0; m < p; m++)
                {
                    double a = -2 * Math.PI * m / p;
                    st.Roots[2 * m] = T.CreateChecked(Math.Cos(a));
                    st.Roots[2 * m + 1] = T.CreateChecked(Math.Sin(a));
                }
            }
            stages.Add(st);
            l = L;
        }
        _stages = [.. stages];
    }

    /// <summary>Transform length (complex points).</summary>
    public int Length { get; }

    /// <summary>Whether this length uses Bluestein's algorithm (it has a prime factor above 31).</summary>
    public bool UsesBluestein => _conv is not null;

    /// <summary>The cached plan for length <paramref name="n"/> (created on first use; thread-safe).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> &lt; 1 or too large.</exception>
    public static FftPlan<T> Get(int n)
    {
        if (n < 1 || n > (1 << 28)) throw new ArgumentOutOfRangeException(nameof(n), n, "FFT length must be between 1 and 2^28.");
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"FFT plans exist for float and double, not {typeof(T).Name}.");
        return Cache.TryGetValue(n, out var p) ? p : Cache.GetOrAdd(n, static k => new FftPlan<T>(k));
    }

    private static List<int> Factor(int n)
    {
        var f = new List<int>();
        while (n % 4 == 0) { f.Add(4); n /= 4; }
        if (n % 2 == 0) { f.Add(2); n /= 2; }
        for (int p = 3; (long)p * p <= n; p += 2)
            while (n % p == 0) { f.Add(p); n /= p; }
        if (n > 1) f.Add(n);
        // put radix 2 last so the larger radices run on long contiguous inner loops first
        if (f.Remove(2)) f.Add(2);
        return f;
    }

    /// <summary>Forward transform of <see cref="Length"/> interleaved complex points. Input and output may be the same span.</summary>
    /// <exception cref="ArgumentException">A span is shorter than <c>2·Length</c>.</exception>
    public void Forward(ReadOnlySpan<T> input, Span<T> output) => Transform(input, output, false, false);

    /// <summary>Inverse transform, scaled by <c>1/Length</c>. Input and output may be the same span.</summary>
    public void Inverse(ReadOnlySpan<T> input, Span<T> output) => Transform(input, output, true, true);

    /// <summary>Inverse transform without the <c>1/Length</c> scaling.</summary>
    public void InverseUnscaled(ReadOnlySpan<T> input, Span<T> output) => Transform(input, output, true, false);

    /// <summary>Forward transform of <see cref="Complex"/> values (double precision plans only).</summary>
    public void Forward(ReadOnlySpan<Complex> input, Span<Complex> output)
    {
        if (typeof(T) != typeof(double)) throw new NotSupportedException("Complex overloads need a double-precision plan.");
        Forward(MemoryMarshal.Cast<Complex, T>(input), MemoryMarshal.Cast<Complex, T>(output));
    }

    /// <summary>Inverse transform (scaled by <c>1/Length</c>) of <see cref="Complex"/> values (double precision plans only).</summary>
    public void Inverse(ReadOnlySpan<Complex> input, Span<Complex> output)
    {
        if (typeof(T) != typeof(double)) throw new NotSupportedException("Complex overloads need a double-precision plan.");
        Inverse(MemoryMarshal.Cast<Complex, T>(input), MemoryMarshal.Cast<Complex, T>(output));
    }

    private void Transform(ReadOnlySpan<T> input, Span<T> output, bool inverse, bool scale)
    {
        int n2 = 2 * Length;
        if (input.Length < n2) throw new ArgumentException($"Input holds {input.Length} values; {n2} (interleaved complex) needed.", nameof(input));
        if (output.Length < n2) throw new ArgumentException($"Output holds {output.Length} values; {n2} (interleaved complex) needed.", nameof(output));
        input = input[..n2];
        output = output[..n2];
        if (_conv is not null) Bluestein(input, output, inverse);
        else TransformCore(input, output, inverse);
        if (scale && Length > 1)
        {
            T s = T.One / T.CreateChecked(Length);
            System.Numerics.Tensors.TensorPrimitives.Multiply(output, s, output);
        }
    }

    internal void TransformCore(ReadOnlySpan<T> input, Span<T> output, bool inverse)
    {
        int ns = _stages.Length;
        if (ns == 0) { input.CopyTo(output); return; }
        var rented = ArrayPool<T>.Shared.Rent(2 * Length);
        try
        {
            Span<T> work = rented.AsSpan(0, 2 * Length);
            // choose the first destination so that the last stage writes into output
            ReadOnlySpan<T> src = input;
            bool overlap = input.Overlaps(output);
            for (int s = 0; s < ns; s++)
            {
                bool toOutput = ((ns - 1 - s) & 1) == 0;
                Span<T> dst = toOutput ? output : work;
                if (s == 0 && overlap && toOutput)
                {
                    // input aliases output: copy input into work first and run from there
                    input.CopyTo(work);
                    src = work;
                    // the destinations alternate; with an odd stage count stage 0 writes output, reading work: fine
                }
                RunStage(_stages[s], src, dst, inverse);
                src = dst;
            }
        }
        finally { ArrayPool<T>.Shared.Return(rented); }
    }

    private void Bluestein(ReadOnlySpan<T> input, Span<T> output, bool inverse)
    {
        int n = Length, m = _conv!.Length;
        var chirp = _chirp!;
        var buf = ArrayPool<T>.Shared.Rent(2 * m);
        try
        {
            var a = buf.AsSpan(0, 2 * m);
            a.Clear();
            // inverse = conj(forward(conj(x)))
            for (int k = 0; k < n; k++)
            {
                T xr = input[2 * k], xi = inverse ? -input[2 * k + 1] : input[2 * k + 1];
                T cr = chirp[2 * k], ci = chirp[2 * k + 1];
                a[2 * k] = xr * cr - xi * ci;
                a[2 * k + 1] = xr * ci + xi * cr;
            }
            _conv.TransformCore(a, a, false);
            var bf = _chirpFft!;
            for (int k = 0; k < m; k++)
            {
                T ar = a[2 * k], ai = a[2 * k + 1], br = bf[2 * k], bi = bf[2 * k + 1];
                a[2 * k] = ar * br - ai * bi;
                a[2 * k + 1] = ar * bi + ai * br;
            }
            _conv.TransformCore(a, a, true);
            for (int k = 0; k < n; k++)
            {
                T ar = a[2 * k], ai = a[2 * k + 1], cr = chirp[2 * k], ci = chirp[2 * k + 1];
                output[2 * k] = ar * cr - ai * ci;
                T im = ar * ci + ai * cr;
                output[2 * k + 1] = inverse ? -im : im;
            }
        }
        finally { ArrayPool<T>.Shared.Return(buf); }
    }

    // One Stockham stage: for j < l, k < r': inputs in[k + r'(q + p·j)], outputs out[k + r'·j + r'·l·s].
    private static void RunStage(Stage st, ReadOnlySpan<T> src, Span<T> dst, bool inverse)
    {
        switch (st.Radix)
        {
            case 4:
                if (typeof(T) == typeof(double) && st.R % 2 == 0 && VectorKernels && Vector256.IsHardwareAccelerated)
                    Radix4Vector(st, MemoryMarshal.Cast<T, double>(src), MemoryMarshal.Cast<T, double>(dst), inverse);
                else Radix4(st, src, dst, inverse);
                break;
            case 2: Radix2(st, src, dst, inverse); break;
            case 3: Radix3(st, src, dst, inverse); break;
            case 5: Radix5(st, src, dst, inverse); break;
            default: RadixGeneric(st, src, dst, inverse); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mul(T ar, T ai, T br, T bi, out T cr, out T ci)
    {
        cr = ar * br - ai * bi;
        ci = ar * bi + ai * br;
    }

    private static void Radix2(Stage st, ReadOnlySpan<T> x, Span<T> y, bool inverse)
    {
        int l = st.L, r = st.R;
        var tw = inverse ? st.TwiddlesInv : st.Twiddles;
        int outStride = 2 * r * l;
        for (int j = 0; j < l; j++)
        {
            T w1r = tw[2 * j], w1i = tw[2 * j + 1];
            int i0 = 2 * r * (2 * j), o0 = 2 * r * j;
            if (j == 0)
            {
                for (int k = 0; k < 2 * r; k += 2)
                {
                    T ar = x[i0 + k], ai = x[i0 + k + 1], br = x[i0 + 2 * r + k], bi = x[i0 + 2 * r + k + 1];
                    y[o0 + k] = ar + br; y[o0 + k + 1] = ai + bi;
                    y[o0 + outStride + k] = ar - br; y[o0 + outStride + k + 1] = ai - bi;
                }
                continue;
            }
            for (int k = 0; k < 2 * r; k += 2)
            {
                T ar = x[i0 + k], ai = x[i0 + k + 1];
                Mul(x[i0 + 2 * r + k], x[i0 + 2 * r + k + 1], w1r, w1i, out T br, out T bi);
                y[o0 + k] = ar + br; y[o0 + k + 1] = ai + bi;
                y[o0 + outStride + k] = ar - br; y[o0 + outStride + k + 1] = ai - bi;
            }
        }
    }

    private static void Radix4(Stage st, ReadOnlySpan<T> x, Span<T> y, bool inverse)
    {
        int l = st.L, r = st.R;
        var tw = inverse ? st.TwiddlesInv : st.Twiddles;
        int r2 = 2 * r, os = 2 * r * l;
        for (int j = 0; j < l; j++)
        {
            int t = 6 * j;
            T w1r = tw[t], w1i = tw[t + 1], w2r = tw[t + 2], w2i = tw[t + 3], w3r = tw[t + 4], w3i = tw[t + 5];
            int i0 = r2 * 4 * j, o0 = r2 * j;
            ReadOnlySpan<T> x0 = x.Slice(i0, r2), x1 = x.Slice(i0 + r2, r2), x2 = x.Slice(i0 + 2 * r2, r2), x3 = x.Slice(i0 + 3 * r2, r2);
            Span<T> y0 = y.Slice(o0, r2), y1 = y.Slice(o0 + os, r2), y2 = y.Slice(o0 + 2 * os, r2), y3 = y.Slice(o0 + 3 * os, r2);
            bool first = j == 0;
            for (int k = 0; k < r2; k += 2)
            {
                T a0r = x0[k], a0i = x0[k + 1], a1r, a1i, a2r, a2i, a3r, a3i;
                if (first)
                {
                    a1r = x1[k]; a1i = x1[k + 1]; a2r = x2[k]; a2i = x2[k + 1]; a3r = x3[k]; a3i = x3[k + 1];
                }
                else
                {
                    Mul(x1[k], x1[k + 1], w1r, w1i, out a1r, out a1i);
                    Mul(x2[k], x2[k + 1], w2r, w2i, out a2r, out a2i);
                    Mul(x3[k], x3[k + 1], w3r, w3i, out a3r, out a3i);
                }
                T t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
                T t2r = a1r + a3r, t2i = a1i + a3i, dr = a1r - a3r, di = a1i - a3i;
                // t3 = (a1 − a3)·(∓i): forward −i → (di, −dr); inverse +i → (−di, dr)
                T t3r = inverse ? -di : di, t3i = inverse ? dr : -dr;
                y0[k] = t0r + t2r; y0[k + 1] = t0i + t2i;
                y2[k] = t0r - t2r; y2[k + 1] = t0i - t2i;
                y1[k] = t1r + t3r; y1[k + 1] = t1i + t3i;
                y3[k] = t1r - t3r; y3[k + 1] = t1i - t3i;
            }
        }
    }

    /// <summary>
    /// <see cref="Radix4"/> for double precision with two complex points per <see cref="Vector256{T}"/> (needs an even
    /// <c>R</c>): the same products, sums and order of operations in every lane, so the results are identical.
    /// </summary>
    private static void Radix4Vector(Stage st, ReadOnlySpan<double> x, Span<double> y, bool inverse)
    {
        int l = st.L, r = st.R;
        var tw = MemoryMarshal.Cast<T, double>(inverse ? st.TwiddlesInv : st.Twiddles);
        int r2 = 2 * r, os = 2 * r * l;
        var swapSign = Vector256.Create(-1.0, 1.0, -1.0, 1.0);      // swap(v)·this = (−v_im, v_re)
        var rot = inverse ? swapSign : -swapSign;                    // t3 = (a1 − a3)·(∓i)
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        for (int j = 0; j < l; j++)
        {
            int t = 6 * j;
            var w1r = Vector256.Create(tw[t]); var w1i = Vector256.Create(tw[t + 1]) * swapSign;
            var w2r = Vector256.Create(tw[t + 2]); var w2i = Vector256.Create(tw[t + 3]) * swapSign;
            var w3r = Vector256.Create(tw[t + 4]); var w3i = Vector256.Create(tw[t + 5]) * swapSign;
            int i0 = r2 * 4 * j, o0 = r2 * j;
            bool first = j == 0;
            for (int k = 0; k < r2; k += 4)
            {
                var a0 = Vector256.LoadUnsafe(ref xr, (nuint)(i0 + k));
                var a1 = Vector256.LoadUnsafe(ref xr, (nuint)(i0 + r2 + k));
                var a2 = Vector256.LoadUnsafe(ref xr, (nuint)(i0 + 2 * r2 + k));
                var a3 = Vector256.LoadUnsafe(ref xr, (nuint)(i0 + 3 * r2 + k));
                if (!first)
                {
                    // (ar·wr − ai·wi, ai·wr + ar·wi): v·wr + swap(v)·(−wi, wi)
                    a1 = a1 * w1r + Swap(a1) * w1i;
                    a2 = a2 * w2r + Swap(a2) * w2i;
                    a3 = a3 * w3r + Swap(a3) * w3i;
                }
                var t0 = a0 + a2; var t1 = a0 - a2; var t2 = a1 + a3;
                var t3 = Swap(a1 - a3) * rot;
                (t0 + t2).StoreUnsafe(ref yr, (nuint)(o0 + k));
                (t0 - t2).StoreUnsafe(ref yr, (nuint)(o0 + 2 * os + k));
                (t1 + t3).StoreUnsafe(ref yr, (nuint)(o0 + os + k));
                (t1 - t3).StoreUnsafe(ref yr, (nuint)(o0 + 3 * os + k));
            }
        }
    }

    /// <summary>(re, im) → (im, re) for each complex pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Swap(Vector256<double> v) => Vector256.Shuffle(v, Vector256.Create(1L, 0L, 3L, 2L));

    private static void Radix3(Stage st, ReadOnlySpan<T> x, Span<T> y, bool inverse)
    {
        int l = st.L, r = st.R;
        var tw = inverse ? st.TwiddlesInv : st.Twiddles;
        int r2 = 2 * r, os = 2 * r * l;
        T half = T.CreateChecked(0.5);
        T s3 = T.CreateChecked(inverse ? 0.86602540378443864676 : -0.86602540378443864676);
        for (int j = 0; j < l; j++)
        {
            T w1r = tw[4 * j], w1i = tw[4 * j + 1], w2r = tw[4 * j + 2], w2i = tw[4 * j + 3];
            int i0 = r2 * 3 * j, o0 = r2 * j;
            for (int k = 0; k < r2; k += 2)
            {
                T a0r = x[i0 + k], a0i = x[i0 + k + 1];
                Mul(x[i0 + r2 + k], x[i0 + r2 + k + 1], w1r, w1i, out T a1r, out T a1i);
                Mul(x[i0 + 2 * r2 + k], x[i0 + 2 * r2 + k + 1], w2r, w2i, out T a2r, out T a2i);
                T t1r = a1r + a2r, t1i = a1i + a2i;
                T t2r = a0r - half * t1r, t2i = a0i - half * t1i;
                // y1 = t2 + i·s3·(a1 − a2), y2 = t2 − i·s3·(a1 − a2)
                T dr = s3 * (a1r - a2r), di = s3 * (a1i - a2i);
                y[o0 + k] = a0r + t1r; y[o0 + k + 1] = a0i + t1i;
                y[o0 + os + k] = t2r - di; y[o0 + os + k + 1] = t2i + dr;
                y[o0 + 2 * os + k] = t2r + di; y[o0 + 2 * os + k + 1] = t2i - dr;
            }
        }
    }

    private static void Radix5(Stage st, ReadOnlySpan<T> x, Span<T> y, bool inverse)
    {
        int l = st.L, r = st.R;
        var tw = inverse ? st.TwiddlesInv : st.Twiddles;
        int r2 = 2 * r, os = 2 * r * l;
        T c1 = T.CreateChecked(0.30901699437494742410), c2 = T.CreateChecked(-0.80901699437494742410);
        double sg = inverse ? 1 : -1;
        T s1 = T.CreateChecked(sg * 0.95105651629515357212), s2 = T.CreateChecked(sg * 0.58778525229247312917);
        for (int j = 0; j < l; j++)
        {
            int t = 8 * j;
            T w1r = tw[t], w1i = tw[t + 1], w2r = tw[t + 2], w2i = tw[t + 3], w3r = tw[t + 4], w3i = tw[t + 5], w4r = tw[t + 6], w4i = tw[t + 7];
            int i0 = r2 * 5 * j, o0 = r2 * j;
            for (int k = 0; k < r2; k += 2)
            {
                T a0r = x[i0 + k], a0i = x[i0 + k + 1];
                Mul(x[i0 + r2 + k], x[i0 + r2 + k + 1], w1r, w1i, out T a1r, out T a1i);
                Mul(x[i0 + 2 * r2 + k], x[i0 + 2 * r2 + k + 1], w2r, w2i, out T a2r, out T a2i);
                Mul(x[i0 + 3 * r2 + k], x[i0 + 3 * r2 + k + 1], w3r, w3i, out T a3r, out T a3i);
                Mul(x[i0 + 4 * r2 + k], x[i0 + 4 * r2 + k + 1], w4r, w4i, out T a4r, out T a4i);
                T b1r = a1r + a4r, b1i = a1i + a4i, b4r = a1r - a4r, b4i = a1i - a4i;
                T b2r = a2r + a3r, b2i = a2i + a3i, b3r = a2r - a3r, b3i = a2i - a3i;
                // y_m = a0 + b1·cos(2πm/5) + b2·cos(4πm/5) + i·sgn·(b4·sin(2πm/5) + b3·sin(4πm/5))
                T p1r = a0r + c1 * b1r + c2 * b2r, p1i = a0i + c1 * b1i + c2 * b2i;
                T p2r = a0r + c2 * b1r + c1 * b2r, p2i = a0i + c2 * b1i + c1 * b2i;
                T q1r = s1 * b4r + s2 * b3r, q1i = s1 * b4i + s2 * b3i;
                T q2r = s2 * b4r - s1 * b3r, q2i = s2 * b4i - s1 * b3i;
                y[o0 + k] = a0r + b1r + b2r; y[o0 + k + 1] = a0i + b1i + b2i;
                y[o0 + os + k] = p1r - q1i; y[o0 + os + k + 1] = p1i + q1r;
                y[o0 + 4 * os + k] = p1r + q1i; y[o0 + 4 * os + k + 1] = p1i - q1r;
                y[o0 + 2 * os + k] = p2r - q2i; y[o0 + 2 * os + k + 1] = p2i + q2r;
                y[o0 + 3 * os + k] = p2r + q2i; y[o0 + 3 * os + k + 1] = p2i - q2r;
            }
        }
    }

    private static void RadixGeneric(Stage st, ReadOnlySpan<T> x, Span<T> y, bool inverse)
    {
        int p = st.Radix, l = st.L, r = st.R;
        var tw = inverse ? st.TwiddlesInv : st.Twiddles;
        var roots = st.Roots;
        int r2 = 2 * r, os = 2 * r * l;
        Span<T> a = stackalloc T[2 * p];
        for (int j = 0; j < l; j++)
        {
            int i0 = r2 * p * j, o0 = r2 * j, tb = 2 * (p - 1) * j;
            for (int k = 0; k < r2; k += 2)
            {
                a[0] = x[i0 + k]; a[1] = x[i0 + k + 1];
                for (int q = 1; q < p; q++)
                {
                    Mul(x[i0 + q * r2 + k], x[i0 + q * r2 + k + 1], tw[tb + 2 * (q - 1)], tw[tb + 2 * (q - 1) + 1], out a[2 * q], out a[2 * q + 1]);
                }
                for (int s = 0; s < p; s++)
                {
                    T sr = T.Zero, si = T.Zero;
                    int e = 0;
                    for (int q = 0; q < p; q++)
                    {
                        T wr = roots[2 * e], wi = inverse ? -roots[2 * e + 1] : roots[2 * e + 1];
                        sr += a[2 * q] * wr - a[2 * q + 1] * wi;
                        si += a[2 * q] * wi + a[2 * q + 1] * wr;
                        e += s; if (e >= p) e -= p;
                    }
                    y[o0 + s * os + k] = sr; y[o0 + s * os + k + 1] = si;
                }
            }
        }
    }
}
