using System.Numerics;
using System.Runtime.InteropServices;

namespace SpeechSeparation.Signal;

/// <summary>
/// Streaming form of a <see cref="Resampler"/>: push input blocks of any size with <see cref="Process"/>, then call
/// <see cref="Flush"/> at the end of the signal. The concatenated output is identical (bit for bit) to the
/// resampler's one-shot output for the whole signal. Memory stays bounded by the block size plus one kernel length.
/// Not thread-safe (one instance per signal).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class StreamingResampler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Resampler _r;
    private readonly int _p, _s, _k, _minStart;
    private T[] _buf;
    private long _bufStart;  // absolute input index of _buf[0]
    private int _bufCount;
    private long _pushed, _next, _periodBase;
    private int _phase;
    private bool _started, _ended;
    private T _last;

    internal StreamingResampler(Resampler resampler, int capacityHint)
    {
        _r = resampler;
        _p = resampler.Phases;
        _s = resampler.Stride;
        _k = resampler.KernelLength;
        int min = 0;
        for (int i = 0; i < _p; i++) min = Math.Min(min, resampler.Start(i));
        _minStart = min;
        _buf = new T[Math.Max(64, capacityHint + 2 * _k - min + 2 * _s)];
    }

    /// <summary>Input samples received so far.</summary>
    public long InputCount => _pushed;

    /// <summary>Output samples produced so far.</summary>
    public long OutputCount => _next;

    /// <summary>Whether <see cref="Flush"/> has been called.</summary>
    public bool IsEnded => _ended;

    /// <summary>
    /// Appends <paramref name="input"/> and writes every output sample that no longer depends on future input (as many
    /// as fit in <paramref name="output"/>; the rest are written by later calls). Returns the number written.
    /// An output span of <c>ceil(input.Length·up/down) + up</c> samples always suffices to keep up.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called after <see cref="Flush"/>.</exception>
    public int Process(ReadOnlySpan<T> input, Span<T> output)
    {
        if (_ended) throw new InvalidOperationException("The stream has been flushed; create a new one for another signal.");
        if (!input.IsEmpty)
        {
            if (!_started) Start(input[0]);
            Append(input);
            _pushed += input.Length;
            _last = input[^1];
        }
        return Produce(output, long.MaxValue);
    }

    /// <summary>
    /// Marks the end of the signal and writes the remaining output (up to <paramref name="output"/>'s length; call again
    /// until it returns 0). <see cref="PendingAfterEnd"/> tells how many remain.
    /// </summary>
    public int Flush(Span<T> output)
    {
        long total = _r.OutputLength(_pushed);
        if (!_ended)
        {
            _ended = true;
            if (!_started) Start(T.Zero);
            if (total > 0)
            {
                long o = total - 1;
                long needEnd = _r.Start((int)(o % _p)) + (o / _p) * _s + _k;
                long have = _bufStart + _bufCount;
                if (needEnd > have)
                {
                    int extra = checked((int)(needEnd - have));
                    T edge = _r.Edge == ResamplerEdge.Replicate && _pushed > 0 ? _last : T.Zero;
                    EnsureRoom(extra);
                    _buf.AsSpan(_bufCount, extra).Fill(edge);
                    _bufCount += extra;
                }
            }
        }
        return Produce(output, total);
    }

    /// <summary>Output samples still to be written by <see cref="Flush"/> (valid after it has been called once; before, the
    /// number that a flush now would produce).</summary>
    public long PendingAfterEnd => _r.OutputLength(_pushed) - _next;

    private void Start(T first)
    {
        _started = true;
        int lead = -_minStart;
        T edge = _r.Edge == ResamplerEdge.Replicate ? first : T.Zero;
        _buf.AsSpan(0, lead).Fill(edge);
        _bufStart = _minStart;
        _bufCount = lead;
    }

    private void EnsureRoom(int extra)
    {
        if (_bufCount + extra <= _buf.Length) return;
        // drop history no future output needs (starts are non-decreasing in the output index)
        long needFrom = _periodBase + _r.Start(_phase);
        int drop = (int)Math.Clamp(needFrom - _bufStart, 0, _bufCount);
        if (drop > 0)
        {
            _buf.AsSpan(drop, _bufCount - drop).CopyTo(_buf);
            _bufCount -= drop;
            _bufStart += drop;
        }
        if (_bufCount + extra > _buf.Length)
            Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _bufCount + extra));
    }

    private void Append(ReadOnlySpan<T> input)
    {
        EnsureRoom(input.Length);
        input.CopyTo(_buf.AsSpan(_bufCount));
        _bufCount += input.Length;
    }

    private int Produce(Span<T> output, long limit)
    {
        var kernels = _r.Kernels<T>();
        long available = _bufStart + _bufCount;
        int written = 0;
        while (written < output.Length && _next < limit)
        {
            long s = _periodBase + _r.Start(_phase);
            if (s + _k > available) break;
            output[written++] = Dot(kernels.Slice(_phase * _k, _k), _buf.AsSpan((int)(s - _bufStart), _k));
            _next++;
            if (++_phase == _p) { _phase = 0; _periodBase += _s; }
        }
        return written;
    }

    /// <summary>Deterministic SIMD dot product (same summation order for the same length, whatever the alignment).</summary>
    internal static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        int n = a.Length, i = 0;
        T s = T.Zero;
        if (Vector.IsHardwareAccelerated && n >= 2 * Vector<T>.Count)
        {
            var va = MemoryMarshal.Cast<T, Vector<T>>(a);
            var vb = MemoryMarshal.Cast<T, Vector<T>>(b[..n]);
            Vector<T> acc0 = Vector<T>.Zero, acc1 = Vector<T>.Zero;
            int v = 0;
            for (; v + 1 < va.Length; v += 2)
            {
                acc0 += va[v] * vb[v];
                acc1 += va[v + 1] * vb[v + 1];
            }
            if (v < va.Length) acc0 += va[v] * vb[v];
            s = Vector.Sum(acc0 + acc1);
            i = va.Length * Vector<T>.Count;
        }
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }
}
