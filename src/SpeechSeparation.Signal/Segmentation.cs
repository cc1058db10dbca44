namespace SpeechSeparation.Signal;

/// <summary>Padding, trimming and cutting signals into overlapping segments (and putting them back together).</summary>
public static class Segmentation
{
    /// <summary>Pads <paramref name="x"/> with <paramref name="left"/> and <paramref name="right"/> samples using <paramref name="mode"/>.</summary>
    /// <exception cref="ArgumentException">Reflect padding not shorter than the signal, or padding an empty signal by edge values.</exception>
    public static float[] Pad(ReadOnlySpan<float> x, int left, int right, PadMode mode = PadMode.Constant)
    {
        if (left < 0 || right < 0) throw new ArgumentOutOfRangeException(left < 0 ? nameof(left) : nameof(right), "Padding cannot be negative.");
        int n = x.Length;
        if (mode == PadMode.Reflect && (left >= n || right >= n) && (left > 0 || right > 0))
            throw new ArgumentException($"Reflect padding ({left}, {right}) must be shorter than the signal ({n} samples).", nameof(x));
        if (mode is PadMode.Replicate or PadMode.Circular && n == 0 && (left > 0 || right > 0))
            throw new ArgumentException("Cannot pad an empty signal with its own samples.", nameof(x));
        var y = new float[checked(n + left + right)];
        x.CopyTo(y.AsSpan(left));
        if (mode == PadMode.Constant) return y;
        for (int i = 0; i < left; i++) y[left - 1 - i] = Source(x, -1 - i, mode);
        for (int i = 0; i < right; i++) y[left + n + i] = Source(x, n + i, mode);
        return y;
    }

    private static float Source(ReadOnlySpan<float> x, int i, PadMode mode)
    {
        int n = x.Length;
        return mode switch
        {
            PadMode.Replicate => i < 0 ? x[0] : x[n - 1],
            PadMode.Circular => x[((i % n) + n) % n],
            _ => n == 1 ? x[0] : x[i < 0 ? -i : 2 * (n - 1) - i],
        };
    }

    /// <summary>Zero-pads or truncates to exactly <paramref name="length"/> samples (librosa <c>fix_length</c>).</summary>
    public static float[] FixLength(ReadOnlySpan<float> x, int length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "Length cannot be negative.");
        var y = new float[length];
        x[..Math.Min(length, x.Length)].CopyTo(y);
        return y;
    }

    /// <summary>The range <c>[start, end)</c> left after removing leading and trailing samples with <c>|x| ≤ threshold</c>.</summary>
    public static Range TrimSilence(ReadOnlySpan<float> x, float threshold = 0f)
    {
        int a = 0, b = x.Length;
        while (a < b && Math.Abs(x[a]) <= threshold) a++;
        while (b > a && Math.Abs(x[b - 1]) <= threshold) b--;
        return new Range(a, b);
    }

    /// <summary>
    /// Number of segments of <paramref name="segmentLength"/> samples at hop <paramref name="hop"/> that cover a signal of
    /// <paramref name="length"/> samples (the last one zero-padded): <c>max(1, ceil((length − segment)/hop) + 1)</c>.
    /// </summary>
    public static int SegmentCount(int length, int segmentLength, int hop)
    {
        Check(segmentLength, hop);
        if (length <= segmentLength) return 1;
        return (int)((length - segmentLength + (long)hop - 1) / hop) + 1;
    }

    /// <summary>
    /// Cuts the signal into segments <c>[count, segmentLength]</c> (row-major) starting at <c>i·hop</c>; overlap is
    /// <c>segmentLength − hop</c>. The last segment is zero-padded so every sample is covered.
    /// </summary>
    public static float[] Segment(ReadOnlySpan<float> x, int segmentLength, int hop, out int count)
    {
        count = SegmentCount(x.Length, segmentLength, hop);
        var r = new float[checked((long)count * segmentLength)];
        for (int i = 0; i < count; i++)
        {
            int s = i * hop, len = Math.Clamp(x.Length - s, 0, segmentLength);
            x.Slice(s, len).CopyTo(r.AsSpan(i * segmentLength, len));
        }
        return r;
    }

    /// <summary>
    /// Reassembles segments <c>[count, segmentLength]</c> made by <see cref="Segment"/>: overlap-add weighted by
    /// <paramref name="window"/> (default: flat) and divided by the summed weights, then cut to <paramref name="length"/>.
    /// With a flat window, reassembling unmodified segments returns the signal exactly.
    /// </summary>
    public static float[] OverlapAdd(ReadOnlySpan<float> segments, int segmentLength, int hop, int length, ReadOnlySpan<float> window = default)
    {
        Check(segmentLength, hop);
        if (segments.Length % segmentLength != 0) throw new ArgumentException($"{segments.Length} values are not whole segments of {segmentLength}.", nameof(segments));
        if (!window.IsEmpty && window.Length != segmentLength) throw new ArgumentException($"The window must have {segmentLength} samples.", nameof(window));
        int count = segments.Length / segmentLength;
        var y = new double[Math.Max(length, (count - 1) * hop + segmentLength)];
        var wsum = new double[y.Length];
        for (int i = 0; i < count; i++)
            for (int t = 0; t < segmentLength; t++)
            {
                double w = window.IsEmpty ? 1.0 : window[t];
                y[i * hop + t] += w * segments[i * segmentLength + t];
                wsum[i * hop + t] += w;
            }
        var r = new float[length];
        for (int i = 0; i < length; i++) r[i] = wsum[i] > 1e-12 ? (float)(y[i] / wsum[i]) : 0f;
        return r;
    }

    private static void Check(int segmentLength, int hop)
    {
        if (segmentLength < 1) throw new ArgumentOutOfRangeException(nameof(segmentLength), segmentLength, "Segment length must be positive.");
        if (hop < 1 || hop > segmentLength) throw new ArgumentOutOfRangeException(nameof(hop), hop, $"Hop must be in [1, {segmentLength}].");
    }
}
