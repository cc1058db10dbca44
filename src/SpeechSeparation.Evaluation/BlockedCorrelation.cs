using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Evaluation;

/// <summary>
/// Linear cross-correlations <c>c(m) = Σ_u x(u)·y(u + m)</c> of long signals over a short lag range <c>|m| ≤ maxLag</c>,
/// by short FFTs instead of one transform of the whole signal. <c>x</c> is cut into blocks of <c>B = N − 2·maxLag</c>
/// samples (zero-padded to <c>N</c>, a power of two: the "block" spectra); <c>y</c> into segments that extend each block by
/// <c>maxLag</c> samples on both sides (the "segment" spectra). The cyclic correlation of block and segment has no wrap
/// at the <c>2·maxLag + 1</c> lags read, so the products <c>conj(X_b)·Y_b</c> are summed over blocks and one inverse
/// FFT gives all lags. Every transform is short and cache-resident, and a signal's spectra are reused for every pair.
/// </summary>
internal sealed class BlockedCorrelation
{
    private readonly RealFftPlan<double> _plan;

    /// <summary>An engine for signals of <paramref name="length"/> samples and lags up to ±<paramref name="maxLag"/>.</summary>
    public BlockedCorrelation(int length, int maxLag)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLag);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        int span = 2 * maxLag;
        // ~8 lag spans per transform (block/transform ratio ≈ 7/8), but no longer than one block holding the whole signal.
        int n = Pow2(Math.Max(8 * span, 64));
        n = Math.Min(n, Pow2(Math.Max(length + span, 2)));
        N = n;
        MaxLag = maxLag;
        Length = length;
        BlockLength = n - span;
        Blocks = (length + BlockLength - 1) / BlockLength;
        _plan = RealFftPlan<double>.Get(n);
    }

    private static int Pow2(int need)
    {
        int v = 1;
        while (v < need) v <<= 1;
        return v;
    }

    /// <summary>Transform length (a power of two).</summary>
    public int N { get; }

    /// <summary>Largest lag magnitude.</summary>
    public int MaxLag { get; }

    /// <summary>Signal length.</summary>
    public int Length { get; }

    /// <summary>Samples of <c>x</c> per block.</summary>
    public int BlockLength { get; }

    /// <summary>Number of blocks.</summary>
    public int Blocks { get; }

    private int SpectrumLength => N + 2;

    /// <summary>Spectra of the zero-padded blocks <c>x[b·B, (b+1)·B)</c> (the left operand of a correlation).</summary>
    public double[] BlockSpectra(ReadOnlySpan<double> x) => Spectra(x, 0, BlockLength);

    /// <summary>Spectra of the segments <c>y[b·B − maxLag, (b+1)·B + maxLag)</c> (the right operand; zero outside the signal).</summary>
    public double[] SegmentSpectra(ReadOnlySpan<double> y) => Spectra(y, MaxLag, BlockLength + 2 * MaxLag);

    /// <summary>Values per set of spectra (<see cref="Blocks"/> one-sided spectra of <c>N/2 + 1</c> complex bins).</summary>
    public int SpectraLength => Blocks * SpectrumLength;

    /// <summary><see cref="BlockSpectra"/> into a buffer from <see cref="ArrayPool{T}.Shared"/> (at least <see cref="SpectraLength"/> long; the caller returns it).</summary>
    public double[] RentBlockSpectra(ReadOnlySpan<double> x) => Spectra(x, 0, BlockLength, ArrayPool<double>.Shared.Rent(SpectraLength));

    /// <summary><see cref="SegmentSpectra"/> into a pooled buffer (the caller returns it).</summary>
    public double[] RentSegmentSpectra(ReadOnlySpan<double> y) => Spectra(y, MaxLag, BlockLength + 2 * MaxLag, ArrayPool<double>.Shared.Rent(SpectraLength));

    private double[] Spectra(ReadOnlySpan<double> x, int lead, int count, double[]? result = null)
    {
        if (x.Length != Length) throw new ArgumentException($"Signal holds {x.Length} samples; {Length} expected.", nameof(x));
        int specLen = SpectrumLength;
        result ??= new double[Blocks * specLen];
        var padded = ArrayPool<double>.Shared.Rent(N);
        var frame = padded.AsSpan(0, N);
        for (int b = 0; b < Blocks; b++)
        {
            frame.Clear();
            long s0 = (long)b * BlockLength - lead;
            int from = (int)Math.Max(0, s0), to = (int)Math.Min(Length, s0 + count);
            if (to > from) x[from..to].CopyTo(frame[(int)(from - s0)..]);
            _plan.Forward(frame, result.AsSpan(b * specLen, specLen));
        }
        ArrayPool<double>.Shared.Return(padded);
        return result;
    }

    /// <summary>
    /// <c>destination[m + maxLag] = Σ_u x(u)·y(u + m)</c> for <c>m = −maxLag..maxLag</c>, from the block spectra of
    /// <c>x</c> and the segment spectra of <c>y</c>.
    /// </summary>
    public void Correlate(double[] blockSpectraX, double[] segmentSpectraY, Span<double> destination)
    {
        int specLen = SpectrumLength;
        var accArr = ArrayPool<double>.Shared.Rent(specLen);
        var rArr = ArrayPool<double>.Shared.Rent(N);
        var acc = accArr.AsSpan(0, specLen);
        acc.Clear();
        for (int b = 0; b < Blocks; b++)
            MultiplyConjugateAdd(blockSpectraX.AsSpan(b * specLen, specLen), segmentSpectraY.AsSpan(b * specLen, specLen), acc);
        var r = rArr.AsSpan(0, N);
        _plan.Inverse(acc, r);
        r[..(2 * MaxLag + 1)].CopyTo(destination);
        ArrayPool<double>.Shared.Return(rArr);
        ArrayPool<double>.Shared.Return(accArr);
    }

    /// <summary><c>acc += conj(a)·b</c> on interleaved complex spectra.</summary>
    internal static void MultiplyConjugateAdd(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> acc)
    {
        int n = acc.Length, k = 0;
        ref double ra = ref MemoryMarshal.GetReference(a);
        ref double rb = ref MemoryMarshal.GetReference(b);
        ref double rc = ref MemoryMarshal.GetReference(acc);
        if (Vector256.IsHardwareAccelerated)
        {
            var sign = Vector256.Create(1.0, -1.0, 1.0, -1.0);
            for (; k <= n - 4; k += 4)
            {
                var va = Vector256.LoadUnsafe(ref ra, (nuint)k);
                var vb = Vector256.LoadUnsafe(ref rb, (nuint)k);
                var are = Vector256.Shuffle(va, Vector256.Create(0L, 0L, 2L, 2L)); // (ar, ar)
                var aim = Vector256.Shuffle(va, Vector256.Create(1L, 1L, 3L, 3L)); // (ai, ai)
                var bsw = Vector256.Shuffle(vb, Vector256.Create(1L, 0L, 3L, 2L)); // (bi, br)
                // (ar·br + ai·bi, ar·bi − ai·br)
                var v = Vector256.LoadUnsafe(ref rc, (nuint)k) + are * vb + aim * bsw * sign;
                v.StoreUnsafe(ref rc, (nuint)k);
            }
        }
        for (; k < n; k += 2)
        {
            double ar = Unsafe.Add(ref ra, k), ai = Unsafe.Add(ref ra, k + 1), br = Unsafe.Add(ref rb, k), bi = Unsafe.Add(ref rb, k + 1);
            Unsafe.Add(ref rc, k) += ar * br + ai * bi;
            Unsafe.Add(ref rc, k + 1) += ar * bi - ai * br;
        }
    }
}
