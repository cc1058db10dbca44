using SpeechSeparation.Evaluation;

namespace SpeechSeparation.LongAudio;

/// <summary>
/// Separates a signal of any length in bounded memory: fixed windows with overlap, each window's sources re-ordered to
/// match the previous window on their overlap (the permutation with the largest summed normalised correlation, as
/// Asteroid's overlap-add re-ordering does), then cross-faded with complementary raised-cosine ramps. A speaker therefore
/// never jumps between outputs at window boundaries.
/// </summary>
/// <remarks>
/// Memory is O(window · sources · batch), whatever the input length: input is pulled and output pushed block by block.
/// Windows start every <c>window − overlap</c> samples; the last one is zero-padded. A signal no longer than one window is
/// separated in one call without padding.
/// </remarks>
public sealed class OverlapAddStitcher
{
    private readonly Func<IReadOnlyList<float[]>, IReadOnlyList<float[][]>> _separateBatch;
    private readonly float[] _fadeIn;

    /// <param name="numSources">Sources produced per window.</param>
    /// <param name="window">Window length in samples.</param>
    /// <param name="overlap">Overlap between consecutive windows (at most half a window).</param>
    /// <param name="separateBatch">
    /// Separates a batch of equal-length windows; returns, per window, <paramref name="numSources"/> arrays of the window's length.
    /// </param>
    /// <param name="batchSize">Windows per call of <paramref name="separateBatch"/>.</param>
    /// <param name="alignOrder">Re-order each window's outputs to match the previous window (false for fixed-meaning outputs).</param>
    public OverlapAddStitcher(int numSources, int window, int overlap, Func<IReadOnlyList<float[]>, IReadOnlyList<float[][]>> separateBatch, int batchSize = 1, bool alignOrder = true)
    {
        AlignOrder = alignOrder;
        if (numSources < 1) throw new ArgumentOutOfRangeException(nameof(numSources), "At least one source is needed.");
        if (window < 2) throw new ArgumentOutOfRangeException(nameof(window), "The window must hold at least 2 samples.");
        if (overlap < 0 || overlap > window / 2) throw new ArgumentOutOfRangeException(nameof(overlap), $"Overlap must be in [0, window/2] = [0, {window / 2}], got {overlap}.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "Batch size must be positive.");
        NumSources = numSources;
        Window = window;
        Overlap = overlap;
        BatchSize = batchSize;
        _separateBatch = separateBatch ?? throw new ArgumentNullException(nameof(separateBatch));
        _fadeIn = new float[overlap];
        for (int i = 0; i < overlap; i++)
        {
            double s = Math.Sin(0.5 * Math.PI * (i + 0.5) / overlap);
            _fadeIn[i] = (float)(s * s);                              // fadeIn + fadeOut = 1 everywhere
        }
    }

    /// <summary>Sources per window.</summary>
    public int NumSources { get; }
    /// <summary>Window length (samples).</summary>
    public int Window { get; }
    /// <summary>Overlap (samples).</summary>
    public int Overlap { get; }
    /// <summary>Hop between window starts (samples).</summary>
    public int Hop => Window - Overlap;
    /// <summary>Windows per model call.</summary>
    public int BatchSize { get; }
    /// <summary>Whether windows are re-ordered to match on their overlap.</summary>
    public bool AlignOrder { get; }

    /// <summary>Separates an in-memory signal; returns one array per source, of the input's length.</summary>
    public float[][] Process(ReadOnlySpan<float> mixture, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var outputs = new float[NumSources][];
        for (int s = 0; s < NumSources; s++) outputs[s] = new float[mixture.Length];
        var input = mixture.ToArray();
        int readPos = 0, writePos = 0;
        Run(dst =>
        {
            int n = Math.Min(dst.Length, input.Length - readPos);
            input.AsSpan(readPos, n).CopyTo(dst);
            readPos += n;
            return n;
        }, (blocks, count) =>
        {
            for (int s = 0; s < NumSources; s++) blocks[s].AsSpan(0, count).CopyTo(outputs[s].AsSpan(writePos));
            writePos += count;
        }, input.Length, progress, cancellationToken);
        return outputs;
    }

    /// <summary>
    /// Streams: pulls input with <paramref name="read"/> (returns samples read, 0 at the end) and pushes finished output
    /// with <paramref name="write"/> (per-source blocks, valid sample count). Exactly as many samples are written as read.
    /// </summary>
    /// <param name="read">Input source.</param>
    /// <param name="write">Output sink; the arrays are reused after the call returns.</param>
    /// <param name="totalLength">Input length when known (for progress), else null.</param>
    /// <param name="progress">Fraction of input processed, when the length is known.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public void Run(Func<Span<float>, int> read, Action<float[][], int> write, long? totalLength = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(write);
        int W = Window, H = Hop, O = Overlap, S = NumSources;
        // The buffer holds the input from absolute sample bufStart on: a batch of windows plus one look-ahead sample,
        // which tells whether a window is the last one.
        var buf = new float[W + (BatchSize - 1) * H + 1];
        long bufStart = 0;
        int bufLen = 0;
        bool eof = false;
        var pending = new float[S][];       // previous window's estimate over the overlap (un-faded), also used for alignment
        var output = new float[S][];
        for (int s = 0; s < S; s++) { pending[s] = new float[O]; output[s] = new float[W]; }
        long k = 0, emitted = 0;
        var windows = new List<float[]>(BatchSize);
        var valid = new List<int>(BatchSize);
        bool done = false;
        while (!done)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (!eof && bufLen < buf.Length)
            {
                int r = read(buf.AsSpan(bufLen));
                if (r <= 0) eof = true; else bufLen += r;
            }
            windows.Clear();
            valid.Clear();
            bool lastInBatch = false;
            for (int j = 0; j < BatchSize; j++)
            {
                int offset = (int)(k * H - bufStart);
                if (k > 0 && offset + O >= bufLen) { lastInBatch = true; break; }   // nothing new past the previous window
                int n = Math.Min(W, Math.Max(0, bufLen - offset));
                if (k == 0 && n == 0) return;                                      // empty input
                bool isLast = eof && offset + W >= bufLen;
                // A signal shorter than one window is separated as it is, without padding.
                var w = k == 0 && isLast ? new float[n] : new float[W];
                buf.AsSpan(offset, n).CopyTo(w);
                windows.Add(w);
                valid.Add(n);
                k++;
                if (isLast) { lastInBatch = true; break; }
            }
            if (windows.Count == 0) break;

            var estimates = _separateBatch(windows);
            if (estimates.Count != windows.Count)
                throw new InvalidOperationException($"The separator returned {estimates.Count} results for {windows.Count} windows.");
            long firstIndex = k - windows.Count;
            for (int j = 0; j < windows.Count; j++)
            {
                var est = estimates[j];
                Validate(est, windows[j].Length);
                bool first = firstIndex + j == 0;
                bool isLast = lastInBatch && j == windows.Count - 1;
                if (!first && AlignOrder) est = Align(pending, est);
                int count = isLast ? valid[j] : H;
                for (int s = 0; s < S; s++)
                {
                    var e = est[s];
                    var o = output[s];
                    int blend = first ? 0 : Math.Min(O, count);
                    for (int i = 0; i < blend; i++) o[i] = pending[s][i] * (1 - _fadeIn[i]) + e[i] * _fadeIn[i];
                    Array.Copy(e, blend, o, blend, count - blend);
                    if (!isLast) Array.Copy(e, H, pending[s], 0, O);
                }
                write(output, count);
                emitted += count;
                if (isLast) done = true;
            }
            if (totalLength is > 0) progress?.Report(Math.Min(1.0, (double)emitted / totalLength.Value));
            // Slide the buffer to the next window's start.
            int shift = (int)Math.Min(k * H - bufStart, bufLen);
            Array.Copy(buf, shift, buf, 0, bufLen - shift);
            bufLen -= shift;
            bufStart += shift;
        }
        progress?.Report(1);
    }

    /// <summary>Reorders <paramref name="current"/>'s sources to best match <paramref name="previousTail"/> on the overlap.</summary>
    private float[][] Align(float[][] previousTail, float[][] current)
    {
        int S = NumSources, n = Overlap;
        if (S == 1 || n == 0) return current;
        // Row-major score matrix; the diagonal gets a 1e-6 bonus so the current order wins ties and near-ties.
        var score = new double[S * S];
        for (int a = 0; a < S; a++)
            for (int b = 0; b < S; b++)
                score[a * S + b] = NormalisedCorrelation(previousTail[a].AsSpan(0, n), current[b].AsSpan(0, n)) + (a == b ? 1e-6 : 0);
        var best = PermutationSearch.Find(score, S, PermutationObjective.Maximize, exhaustiveLimit: 8);
        var r = new float[S][];
        for (int a = 0; a < S; a++) r[a] = current[best[a]];
        return r;
    }

    private static double NormalisedCorrelation(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double xy = 0, xx = 1e-12, yy = 1e-12;
        for (int i = 0; i < x.Length; i++) { xy += x[i] * (double)y[i]; xx += x[i] * (double)x[i]; yy += y[i] * (double)y[i]; }
        return xy / Math.Sqrt(xx * yy);
    }

    private void Validate(float[][] estimate, int length)
    {
        if (estimate.Length != NumSources) throw new InvalidOperationException($"The separator returned {estimate.Length} sources, {NumSources} expected.");
        foreach (var s in estimate)
            if (s.Length < length) throw new InvalidOperationException($"The separator returned {s.Length} samples for a window of {length}.");
    }

}
