using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// The STOI hot loops in forms that vectorise without changing the arithmetic beyond summation order: a polyphase
/// resampling kernel over de-interleaved input streams (vectorised over output samples, no horizontal sums), and a
/// 512-point complex FFT run on four frames at once (one per SIMD lane) with the clean and degraded frames packed as
/// real and imaginary parts.
/// </summary>
internal static class StoiKernels
{
    private const int OutBlock = 32; // outputs per phase computed together (8 Vector256 accumulators)

    /// <summary>The same samples as <c>resampler.Process(x)</c> (zero-padded rational FIR), up to summation order.</summary>
    public static double[] Resample(Resampler resampler, ReadOnlySpan<float> x)
    {
        var y = new double[OutputLength(resampler, x.Length)];
        ResampleCore(resampler, x, y);
        return y;
    }

    /// <inheritdoc cref="Resample(Resampler, ReadOnlySpan{float})"/>
    public static double[] Resample(Resampler resampler, ReadOnlySpan<double> x)
    {
        var y = new double[OutputLength(resampler, x.Length)];
        ResampleCore(resampler, x, y);
        return y;
    }

    /// <summary>Number of output samples for <paramref name="inputLength"/> input samples.</summary>
    public static int OutputLength(Resampler resampler, int inputLength) => checked((int)resampler.OutputLength(inputLength));

    /// <summary><see cref="Resample(Resampler, ReadOnlySpan{float})"/> into <paramref name="y"/> (<see cref="OutputLength"/> samples).</summary>
    public static void ResampleInto(Resampler resampler, ReadOnlySpan<float> x, Span<double> y) => ResampleCore(resampler, x, y);

    private static void ResampleCore<T>(Resampler rs, ReadOnlySpan<T> x, Span<double> y) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        if (rs.Edge != ResamplerEdge.Zeros) throw new NotSupportedException("Only zero-padded resamplers have a polyphase kernel.");
        int p = rs.Phases, d = rs.Stride, k = rs.KernelLength, n = x.Length;
        int outLen = OutputLength(rs, n);
        if (y.Length != outLen) throw new ArgumentException($"Output holds {y.Length} samples; {outLen} expected.", nameof(y));
        if (outLen == 0) return;
        var kernels = rs.Kernels<double>();
        int minStart = int.MaxValue, maxQ = 0;
        for (int r = 0; r < p; r++) minStart = Math.Min(minStart, rs.Start(r));
        for (int r = 0; r < p; r++) maxQ = Math.Max(maxQ, PhaseCount(outLen, p, r));
        int lp = Math.Max(0, -minStart); // left zero padding
        int maxO = 0;
        for (int r = 0; r < p; r++) maxO = Math.Max(maxO, (lp + rs.Start(r) + k - 1) / d);
        int qPadded = (maxQ + OutBlock - 1) / OutBlock * OutBlock;
        // Stream j holds padded samples j, j + d, j + 2d, …: xp[m·d + j] with xp[i + lp] = x[i].
        int m = Math.Max((lp + n + d - 1) / d, qPadded + maxO + 1);
        var streams = ArrayPool<double>.Shared.Rent(d * m);
        for (int j = 0; j < d; j++)
        {
            var s = streams.AsSpan(j * m, m);
            // Stream positions i with 0 ≤ i·d + j − lp < n hold x[i·d + j − lp]; the rest is padding.
            int iLo = j >= lp ? 0 : (lp - j + d - 1) / d;
            long hiExclusive = ((long)n + lp - j + d - 1) / d;
            int iHi = (int)Math.Clamp(hiExclusive, iLo, m);
            s[..iLo].Clear();
            s[iHi..].Clear();
            int idx = iLo * d + j - lp;
            for (int i = iLo; i < iHi; i++, idx += d) s[i] = double.CreateTruncating(x[idx]);
        }
        var offsets = new int[k];
        Span<double> block = stackalloc double[OutBlock];
        ref double s0 = ref MemoryMarshal.GetArrayDataReference(streams);
        // Groups of five consecutive phases share their input loads (their tap windows nearly coincide); the leftover
        // phases run one at a time.
        int grouped = p / GroupPhases * GroupPhases;
        if (!Vector256.IsHardwareAccelerated) grouped = 0;
        for (int r0 = 0; r0 < grouped; r0 += GroupPhases)
            ResampleGroup(rs, kernels, ref s0, m, lp, r0, outLen, y);
        for (int r = grouped; r < p; r++)
        {
            int q = PhaseCount(outLen, p, r);
            if (q == 0) continue;
            var kr = kernels.Slice(r * k, k);
            for (int t = 0; t < k; t++)
            {
                int u = lp + rs.Start(r) + t;
                offsets[t] = u % d * m + u / d;
            }
            for (int q0 = 0; q0 < q; q0 += OutBlock)
            {
                Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector256<double> a4 = default, a5 = default, a6 = default, a7 = default;
                for (int t = 0; t < k; t++)
                {
                    var c = Vector256.Create(kr[t]);
                    ref double src = ref Unsafe.Add(ref s0, offsets[t] + q0);
                    a0 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref src, 0), a0);
                    a1 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref src, 4), a1);
                    a2 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref src, 8), a2);
                    a3 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref src, 12), a3);
                    a4 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref src, 16), a4);
                    a5 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref src, 20), a5);
                    a6 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref src, 24), a6);
                    a7 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref src, 28), a7);
                }
                a0.CopyTo(block); a1.CopyTo(block[4..]); a2.CopyTo(block[8..]); a3.CopyTo(block[12..]);
                a4.CopyTo(block[16..]); a5.CopyTo(block[20..]); a6.CopyTo(block[24..]); a7.CopyTo(block[28..]);
                int count = Math.Min(OutBlock, q - q0);
                for (int i = 0; i < count; i++) y[(q0 + i) * p + r] = block[i];
            }
        }
        ArrayPool<double>.Shared.Return(streams);
    }

    private const int GroupPhases = 5, GroupBlock = 16;

    /// <summary>
    /// Phases <c>r0 … r0+4</c> together, 16 outputs per phase per block: every input vector is loaded once per tap position
    /// <c>u</c> and used by all five phases, each with its own tap <c>u − start_r</c> (zero outside its kernel, which adds
    /// nothing: each output's fused multiply-adds run in the same tap order, so the sums are those of the one-phase kernel).
    /// </summary>
    private static void ResampleGroup(Resampler rs, ReadOnlySpan<double> kernels, ref double s0, int m, int lp, int r0, int outLen, Span<double> y)
    {
        int p = rs.Phases, d = rs.Stride, k = rs.KernelLength;
        int uMin = int.MaxValue, uMax = int.MinValue;
        for (int g = 0; g < GroupPhases; g++)
        {
            uMin = Math.Min(uMin, lp + rs.Start(r0 + g));
            uMax = Math.Max(uMax, lp + rs.Start(r0 + g) + k - 1);
        }
        int span = uMax - uMin + 1;
        var coef = ArrayPool<double>.Shared.Rent(span * GroupPhases);
        var off = ArrayPool<int>.Shared.Rent(span);
        for (int i = 0; i < span; i++)
        {
            int u = uMin + i;
            off[i] = u % d * m + u / d;
            for (int g = 0; g < GroupPhases; g++)
            {
                int t = u - lp - rs.Start(r0 + g);
                coef[i * GroupPhases + g] = t >= 0 && t < k ? kernels[(r0 + g) * k + t] : 0.0;
            }
        }
        int qMax = 0;
        for (int g = 0; g < GroupPhases; g++) qMax = Math.Max(qMax, PhaseCount(outLen, p, r0 + g));
        Span<double> block = stackalloc double[GroupBlock];
        ref double c0 = ref MemoryMarshal.GetArrayDataReference(coef);
        ref int o0 = ref MemoryMarshal.GetArrayDataReference(off);
        for (int q0 = 0; q0 < qMax; q0 += GroupBlock)
        {
            Vector256<double> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector256<double> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector256<double> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector256<double> a30 = default, a31 = default, a32 = default, a33 = default;
            Vector256<double> a40 = default, a41 = default, a42 = default, a43 = default;
            for (int i = 0; i < span; i++)
            {
                ref double src = ref Unsafe.Add(ref s0, Unsafe.Add(ref o0, i) + q0);
                var x0 = Vector256.LoadUnsafe(ref src, 0); var x1 = Vector256.LoadUnsafe(ref src, 4);
                var x2 = Vector256.LoadUnsafe(ref src, 8); var x3 = Vector256.LoadUnsafe(ref src, 12);
                ref double c = ref Unsafe.Add(ref c0, i * GroupPhases);
                var c_ = Vector256.Create(c);
                a00 = Vector256.FusedMultiplyAdd(c_, x0, a00); a01 = Vector256.FusedMultiplyAdd(c_, x1, a01);
                a02 = Vector256.FusedMultiplyAdd(c_, x2, a02); a03 = Vector256.FusedMultiplyAdd(c_, x3, a03);
                c_ = Vector256.Create(Unsafe.Add(ref c, 1));
                a10 = Vector256.FusedMultiplyAdd(c_, x0, a10); a11 = Vector256.FusedMultiplyAdd(c_, x1, a11);
                a12 = Vector256.FusedMultiplyAdd(c_, x2, a12); a13 = Vector256.FusedMultiplyAdd(c_, x3, a13);
                c_ = Vector256.Create(Unsafe.Add(ref c, 2));
                a20 = Vector256.FusedMultiplyAdd(c_, x0, a20); a21 = Vector256.FusedMultiplyAdd(c_, x1, a21);
                a22 = Vector256.FusedMultiplyAdd(c_, x2, a22); a23 = Vector256.FusedMultiplyAdd(c_, x3, a23);
                c_ = Vector256.Create(Unsafe.Add(ref c, 3));
                a30 = Vector256.FusedMultiplyAdd(c_, x0, a30); a31 = Vector256.FusedMultiplyAdd(c_, x1, a31);
                a32 = Vector256.FusedMultiplyAdd(c_, x2, a32); a33 = Vector256.FusedMultiplyAdd(c_, x3, a33);
                c_ = Vector256.Create(Unsafe.Add(ref c, 4));
                a40 = Vector256.FusedMultiplyAdd(c_, x0, a40); a41 = Vector256.FusedMultiplyAdd(c_, x1, a41);
                a42 = Vector256.FusedMultiplyAdd(c_, x2, a42); a43 = Vector256.FusedMultiplyAdd(c_, x3, a43);
            }
            StorePhase(a00, a01, a02, a03, block, y, q0, r0, p, outLen);
            StorePhase(a10, a11, a12, a13, block, y, q0, r0 + 1, p, outLen);
            StorePhase(a20, a21, a22, a23, block, y, q0, r0 + 2, p, outLen);
            StorePhase(a30, a31, a32, a33, block, y, q0, r0 + 3, p, outLen);
            StorePhase(a40, a41, a42, a43, block, y, q0, r0 + 4, p, outLen);
        }
        ArrayPool<double>.Shared.Return(coef);
        ArrayPool<int>.Shared.Return(off);
    }

    private static void StorePhase(Vector256<double> a0, Vector256<double> a1, Vector256<double> a2, Vector256<double> a3,
        Span<double> block, Span<double> y, int q0, int r, int p, int outLen)
    {
        a0.CopyTo(block); a1.CopyTo(block[4..]); a2.CopyTo(block[8..]); a3.CopyTo(block[12..]);
        int count = Math.Min(GroupBlock, PhaseCount(outLen, p, r) - q0);
        for (int i = 0; i < count; i++) y[(q0 + i) * p + r] = block[i];
    }

    /// <summary>Number of outputs <c>o = q·phases + r &lt; outLen</c> of phase <paramref name="r"/>.</summary>
    private static int PhaseCount(int outLen, int phases, int r) => outLen > r ? (outLen - r + phases - 1) / phases : 0;

    private const int N = ShortTimeObjectiveIntelligibility.FftSize, Half = N / 2, Lanes = 4;
    private static readonly double[] Cos = BuildTwiddles(true), Sin = BuildTwiddles(false);
    private static readonly int[] Reverse = BuildReverse();

    private static double[] BuildTwiddles(bool cos)
    {
        var t = new double[Half];
        for (int i = 0; i < Half; i++) t[i] = cos ? Math.Cos(2 * Math.PI * i / N) : -Math.Sin(2 * Math.PI * i / N);
        return t;
    }

    private static int[] BuildReverse()
    {
        var r = new int[N];
        for (int i = 0; i < N; i++)
        {
            int v = 0;
            for (int b = 0, x = i; b < 9; b++, x >>= 1) v = (v << 1) | (x & 1);
            r[i] = v;
        }
        return r;
    }

    /// <summary>Samples <c>at … at+3</c> of the frames starting at <c>at</c>, <c>at + hop</c>, <c>at + 2·hop</c>, <c>at + 3·hop</c>: <c>vk</c> holds sample <c>at + k</c> of frame <c>l</c> in lane <c>l</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LoadTransposed(ReadOnlySpan<double> x, int at, int hop,
        out Vector256<double> v0, out Vector256<double> v1, out Vector256<double> v2, out Vector256<double> v3)
    {
        var a = Vector256.Create(x.Slice(at, 4)); var b = Vector256.Create(x.Slice(at + hop, 4));
        var c = Vector256.Create(x.Slice(at + 2 * hop, 4)); var d = Vector256.Create(x.Slice(at + 3 * hop, 4));
        var t0 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(a, b); var t1 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(a, b);
        var t2 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(c, d); var t3 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(c, d);
        v0 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(t0, t2, 0x20);
        v1 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(t1, t3, 0x20);
        v2 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(t0, t2, 0x31);
        v3 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(t1, t3, 0x31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(Vector256<double>[] re, Vector256<double>[] im, int at, Vector256<double> w, Vector256<double> vx, Vector256<double> vy)
    {
        var a = w * vx; var b = w * vy;
        re[at] = a; re[at + 1] = a;
        im[at] = b; im[at + 1] = b;
    }

    /// <summary><c>b·w</c> on four lanes (fused multiply-adds where available).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double> R, Vector256<double> I) ComplexMultiply(Vector256<double> br, Vector256<double> bi,
        Vector256<double> wr, Vector256<double> wi)
    {
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported)
            return (System.Runtime.Intrinsics.X86.Fma.MultiplySubtract(br, wr, bi * wi), System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(br, wi, bi * wr));
        return (br * wr - bi * wi, br * wi + bi * wr);
    }

    /// <summary>
    /// Band envelopes (row-major <c>[bands, frames]</c>) of two equal-length signals: frame by frame, Hann window, 512-point
    /// zero-padded FFT, band energies over <c>[lo[b], hi[b])</c>, square root.
    /// </summary>
    public static void BandEnvelopePair(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> window, int[] lo, int[] hi, int frameLength, int hop,
        Span<double> xt, Span<double> yt)
    {
        int frames = x.Length > frameLength ? (x.Length - frameLength + hop - 1) / hop : 0;
        int bands = lo.Length;
        var re = ArrayPool<Vector256<double>>.Shared.Rent(N);
        var im = ArrayPool<Vector256<double>>.Shared.Rent(N);
        var rev = Reverse;
        int kLo = lo[0], kHi = hi[bands - 1];
        Span<double> lane = stackalloc double[Lanes];
        Span<double> lane2 = stackalloc double[Lanes];
        Span<double> xr = stackalloc double[Lanes];
        Span<double> yr = stackalloc double[Lanes];
        var powX = new Vector256<double>[kHi];
        var powY = new Vector256<double>[kHi];
        for (int f0 = 0; f0 < frames; f0 += Lanes)
        {
            int lanes = Math.Min(Lanes, frames - f0);
            // Bit-reversed load; natural indices ≥ frameLength are zero, so for N = 2·frameLength the first radix-2
            // stage just duplicates each sample.
            // rev[i] for i < 256 is even; natural index i + 256 sits at rev[i] + 1 and is zero, so after the first
            // stage both hold the windowed sample.
            if (lanes == Lanes && System.Runtime.Intrinsics.X86.Avx.IsSupported && frameLength % 4 == 0)
            {
                // Four consecutive samples of each of the four frames, transposed to one vector per sample.
                int s0 = f0 * hop;
                for (int i = 0; i < frameLength; i += 4)
                {
                    LoadTransposed(x, s0 + i, hop, out var v0, out var v1, out var v2, out var v3);
                    LoadTransposed(y, s0 + i, hop, out var u0, out var u1, out var u2, out var u3);
                    StorePair(re, im, rev[i], Vector256.Create(window[i]), v0, u0);
                    StorePair(re, im, rev[i + 1], Vector256.Create(window[i + 1]), v1, u1);
                    StorePair(re, im, rev[i + 2], Vector256.Create(window[i + 2]), v2, u2);
                    StorePair(re, im, rev[i + 3], Vector256.Create(window[i + 3]), v3, u3);
                }
            }
            else
            {
                for (int i = 0; i < frameLength; i++)
                {
                    double wi = window[i];
                    for (int l = 0; l < Lanes; l++)
                    {
                        int s = (f0 + (l < lanes ? l : 0)) * hop + i;
                        lane[l] = wi * x[s]; lane2[l] = wi * y[s];
                    }
                    int at = rev[i];
                    re[at] = re[at + 1] = Vector256.Create(lane[0], lane[1], lane[2], lane[3]);
                    im[at] = im[at + 1] = Vector256.Create(lane2[0], lane2[1], lane2[2], lane2[3]);
                }
            }
            // Radix-2 stages h = 2 … 256 taken two at a time as one radix-2² pass (stages h and 2h on the same four
            // points, each point loaded and stored once per pass). The second stage's odd twiddle W_{4h}^{j+h} is
            // W_{4h}^j·(−i), applied as a swap; products use fused multiply-adds; j = 0 has unit twiddles (no products).
            for (int h = 2; h < N; h <<= 2)
            {
                int strideA = Half / h, strideB = strideA / 2; // W_{2h}^j = W_N^{j·N/(2h)}, W_{4h}^j = W_N^{j·N/(4h)}
                for (int b = 0; b < N; b += 4 * h)
                {
                    int i0 = b, i1 = i0 + h, i2 = i1 + h, i3 = i2 + h;
                    var x0r = re[i0]; var x0i = im[i0]; var x1r = re[i1]; var x1i = im[i1];
                    var x2r = re[i2]; var x2i = im[i2]; var x3r = re[i3]; var x3i = im[i3];
                    var (a0r, a0i, a1r, a1i) = (x0r + x1r, x0i + x1i, x0r - x1r, x0i - x1i);
                    var (a2r, a2i, a3r, a3i) = (x2r + x3r, x2i + x3i, x2r - x3r, x2i - x3i);
                    re[i0] = a0r + a2r; im[i0] = a0i + a2i; re[i2] = a0r - a2r; im[i2] = a0i - a2i;
                    // a1 ± (−i)·a3 = (a1r ± a3i, a1i ∓ a3r)
                    re[i1] = a1r + a3i; im[i1] = a1i - a3r; re[i3] = a1r - a3i; im[i3] = a1i + a3r;
                }
                for (int j = 1; j < h; j++)
                {
                    var war = Vector256.Create(Cos[j * strideA]); var wai = Vector256.Create(Sin[j * strideA]);
                    var wbr = Vector256.Create(Cos[j * strideB]); var wbi = Vector256.Create(Sin[j * strideB]);
                    for (int b = 0; b < N; b += 4 * h)
                    {
                        int i0 = b + j, i1 = i0 + h, i2 = i1 + h, i3 = i2 + h;
                        var x0r = re[i0]; var x0i = im[i0];
                        var (t1r, t1i) = ComplexMultiply(re[i1], im[i1], war, wai);
                        var (a0r, a0i, a1r, a1i) = (x0r + t1r, x0i + t1i, x0r - t1r, x0i - t1i);
                        var x2r = re[i2]; var x2i = im[i2];
                        var (t3r, t3i) = ComplexMultiply(re[i3], im[i3], war, wai);
                        var (a2r, a2i, a3r, a3i) = (x2r + t3r, x2i + t3i, x2r - t3r, x2i - t3i);
                        var (u2r, u2i) = ComplexMultiply(a2r, a2i, wbr, wbi);
                        var (u3r, u3i) = ComplexMultiply(a3r, a3i, wbr, wbi);
                        re[i0] = a0r + u2r; im[i0] = a0i + u2i; re[i2] = a0r - u2r; im[i2] = a0i - u2i;
                        re[i1] = a1r + u3i; im[i1] = a1i - u3r; re[i3] = a1r - u3i; im[i3] = a1i + u3r;
                    }
                }
            }
            // Z = X + iY: X[k] = (Z[k] + conj Z[N−k])/2, Y[k] = (Z[k] − conj Z[N−k])/(2i).
            var quarter = Vector256.Create(0.25);
            for (int kk = kLo; kk < kHi; kk++)
            {
                var zr = re[kk]; var zi = im[kk]; var mr = re[N - kk]; var mi = im[N - kk];
                var a = zr + mr; var b = zi - mi; var c = zi + mi; var e = zr - mr;
                powX[kk] = (a * a + b * b) * quarter;
                powY[kk] = (c * c + e * e) * quarter;
            }
            for (int b = 0; b < bands; b++)
            {
                var ax = Vector256<double>.Zero; var ay = Vector256<double>.Zero;
                for (int kk = lo[b]; kk < hi[b]; kk++) { ax += powX[kk]; ay += powY[kk]; }
                Vector256.Sqrt(ax).CopyTo(xr);
                Vector256.Sqrt(ay).CopyTo(yr);
                for (int l = 0; l < lanes; l++)
                {
                    xt[b * frames + f0 + l] = xr[l];
                    yt[b * frames + f0 + l] = yr[l];
                }
            }
        }
        ArrayPool<Vector256<double>>.Shared.Return(re);
        ArrayPool<Vector256<double>>.Shared.Return(im);
    }
}
