using SpeechSeparation.Tensors;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// A packed map [B, C, H, T] read in blocks of frames (the time axis T): one tensor, or the decoders' skip input, the
/// packed channel concatenation of a decoder output and a skip (<see cref="ComplexLayout.CatChannels"/>) assembled one
/// block at a time instead of as a whole copy.
/// </summary>
public sealed class FrameSource
{
    private readonly Tensor _a;
    private readonly Tensor? _b;

    private FrameSource(Tensor a, Tensor? b)
    {
        if (a.ndim != 4) throw new ArgumentException($"Expected a packed map [B, C, H, T], got [{string.Join(", ", a.shape)}].");
        if (b is not null && (b.ndim != 4 || b.size(0) != a.size(0) || b.size(2) != a.size(2) || b.size(3) != a.size(3) || b.dtype != a.dtype))
            throw new ArgumentException($"Cannot concatenate [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}] on channels.");
        (_a, _b) = (a, b);
    }

    /// <summary>The map <paramref name="x"/> itself.</summary>
    public static FrameSource Of(Tensor x) => new(x, null);

    /// <summary><c>ComplexLayout.CatChannels(a, b)</c>, read block by block.</summary>
    public static FrameSource Concat(Tensor a, Tensor b) => new(a, b);

    /// <summary>Batch size B.</summary>
    public long Batch => _a.size(0);
    /// <summary>Packed channels C (both parts).</summary>
    public long Channels => _a.size(1) + (_b?.size(1) ?? 0);
    /// <summary>Height H (frequency).</summary>
    public long Height => _a.size(2);
    /// <summary>Frames T.</summary>
    public long Frames => _a.size(3);
    /// <summary>Element type.</summary>
    public ScalarType DType => _a.dtype;
    /// <summary>Device.</summary>
    public Device Device => _a.device;

    /// <summary>Frames [<paramref name="t0"/>, t0 + <paramref name="count"/>) as [B, C, H, count] (a view of a single map).</summary>
    public Tensor Read(long t0, long count) =>
        _b is null ? _a.narrow(3, t0, count) : ComplexLayout.CatChannels(_a.narrow(3, t0, count), _b.narrow(3, t0, count));

    /// <summary>The whole map (a copy for a concatenation).</summary>
    public Tensor ReadAll() => Read(0, Frames);
}
