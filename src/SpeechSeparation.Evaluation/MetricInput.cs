using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpeechSeparation.Evaluation;

/// <summary>Input checks shared by the metrics; every failure names the argument and the problem.</summary>
internal static class MetricInput
{
    public static void RequireSameLength(int referenceLength, int estimateLength, string referenceName = "reference", string estimateName = "estimate")
    {
        if (referenceLength != estimateLength)
            throw new ArgumentException(
                $"The {referenceName} has {referenceLength} samples but the {estimateName} has {estimateLength}; both must have the same length (trim or pad them first).",
                estimateName);
    }

    public static void RequireNotEmpty(int length, string name)
    {
        if (length == 0) throw new ArgumentException($"The {name} is empty.", name);
    }

    public static void RequireFinite(ReadOnlySpan<float> x, string name)
    {
        int i = IndexOfNonFinite(MemoryMarshal.Cast<float, uint>(x), 0x7F80_0000u);
        if (i >= 0) throw new ArgumentException($"The {name} contains a non-finite value ({x[i]}) at sample {i}.", name);
    }

    public static void RequireFinite(ReadOnlySpan<double> x, string name)
    {
        int i = IndexOfNonFinite(MemoryMarshal.Cast<double, ulong>(x), 0x7FF0_0000_0000_0000ul);
        if (i >= 0) throw new ArgumentException($"The {name} contains a non-finite value ({x[i]}) at sample {i}.", name);
    }

    /// <summary>Index of the first IEEE value whose exponent bits are all ones (±∞ or NaN), or −1: a vector scan of the
    /// exponent field (these checks run on every metric call, so they must cost a fraction of the metric).</summary>
    private static int IndexOfNonFinite<T>(ReadOnlySpan<T> bits, T exponentMask) where T : unmanaged, IBinaryInteger<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && bits.Length >= Vector256<T>.Count)
        {
            var mask = Vector256.Create(exponentMask);
            ref T b0 = ref MemoryMarshal.GetReference(bits);
            int step = Vector256<T>.Count;
            for (; i + 4 * step <= bits.Length; i += 4 * step)
            {
                var any = Vector256.Equals(Vector256.LoadUnsafe(ref b0, (nuint)i) & mask, mask)
                          | Vector256.Equals(Vector256.LoadUnsafe(ref b0, (nuint)(i + step)) & mask, mask)
                          | Vector256.Equals(Vector256.LoadUnsafe(ref b0, (nuint)(i + 2 * step)) & mask, mask)
                          | Vector256.Equals(Vector256.LoadUnsafe(ref b0, (nuint)(i + 3 * step)) & mask, mask);
                if (any != Vector256<T>.Zero) break;   // the scalar loop below finds the exact index
            }
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & exponentMask) == exponentMask) return i;
        return -1;
    }

    /// <summary>Whether every sample compares equal to zero (±0; NaN is not silent).</summary>
    public static bool IsSilent(ReadOnlySpan<float> x) => IsSilentCore(x);

    /// <inheritdoc cref="IsSilent(ReadOnlySpan{float})"/>
    public static bool IsSilent(ReadOnlySpan<double> x) => IsSilentCore(x);

    private static bool IsSilentCore<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                if (!Vector256.EqualsAll(Vector256.Create(x.Slice(i, Vector256<T>.Count)), Vector256<T>.Zero)) return false;
        for (; i < x.Length; i++) if (x[i] != T.Zero) return false;
        return true;
    }

    public static void RequireNotSilent(ReadOnlySpan<float> x, string name)
    {
        if (IsSilent(x)) throw new ArgumentException($"The {name} is all zeros (silent); the metric is undefined for it.", name);
    }

    public static void RequireNotSilent(ReadOnlySpan<double> x, string name)
    {
        if (IsSilent(x)) throw new ArgumentException($"The {name} is all zeros (silent); the metric is undefined for it.", name);
    }

    /// <summary>Checks a pair of single signals: non-empty, same length, finite, non-silent reference.</summary>
    public static void RequirePair(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, bool allowSilentEstimate = true)
    {
        RequireNotEmpty(reference.Length, nameof(reference));
        RequireSameLength(reference.Length, estimate.Length);
        RequireFinite(reference, nameof(reference));
        RequireFinite(estimate, nameof(estimate));
        RequireNotSilent(reference, nameof(reference));
        if (!allowSilentEstimate) RequireNotSilent(estimate, nameof(estimate));
    }

    /// <inheritdoc cref="RequirePair(ReadOnlySpan{float}, ReadOnlySpan{float}, bool)"/>
    public static void RequirePair(ReadOnlySpan<double> reference, ReadOnlySpan<double> estimate, bool allowSilentEstimate = true)
    {
        RequireNotEmpty(reference.Length, nameof(reference));
        RequireSameLength(reference.Length, estimate.Length);
        RequireFinite(reference, nameof(reference));
        RequireFinite(estimate, nameof(estimate));
        RequireNotSilent(reference, nameof(reference));
        if (!allowSilentEstimate) RequireNotSilent(estimate, nameof(estimate));
    }

    /// <summary>Checks a row-major <c>[count, length]</c> block of signals and returns the per-signal length.</summary>
    public static int RequireSources(ReadOnlySpan<float> signals, int count, string name)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of sources must be positive.");
        if (signals.Length == 0) throw new ArgumentException($"The {name} are empty.", name);
        if (signals.Length % count != 0)
            throw new ArgumentException($"The {name} hold {signals.Length} samples, which is not a multiple of the source count {count} (expected a row-major [sources, samples] block).", name);
        RequireFinite(signals, name);
        return signals.Length / count;
    }

    public static double[] ToDouble(ReadOnlySpan<float> x)
    {
        var d = new double[x.Length];
        Widen(x, d);
        return d;
    }

    /// <summary><c>destination[i] = x[i]</c> (exact float → double; TensorPrimitives' vectorised conversion).</summary>
    public static void Widen(ReadOnlySpan<float> x, Span<double> destination)
    {
        if (destination.Length < x.Length) throw new ArgumentException("Destination too short.", nameof(destination));
        TensorPrimitives.ConvertChecked<float, double>(x, destination[..x.Length]);
    }
}
