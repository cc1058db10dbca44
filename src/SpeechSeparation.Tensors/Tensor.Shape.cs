using SpeechSeparation.Tensors.Native;
using static SpeechSeparation.Tensors.Native.NativeMethods;

namespace SpeechSeparation.Tensors;

public partial class Tensor
{
    /// <summary>A view with a new shape (one entry may be -1).</summary>
    public unsafe Tensor view(params long[] shape) { fixed (long* p = shape) return Wrap(sst_view(Handle, p, shape.Length)); }

    /// <summary>A tensor with a new shape (a view when possible, else a copy).</summary>
    public unsafe Tensor reshape(params long[] shape) { fixed (long* p = shape) return Wrap(sst_reshape(Handle, p, shape.Length)); }

    /// <summary>Reorders dimensions.</summary>
    public unsafe Tensor permute(params long[] dims) { fixed (long* p = dims) return Wrap(sst_permute(Handle, p, dims.Length)); }

    /// <summary>Swaps two dimensions.</summary>
    public Tensor transpose(long dim0, long dim1) => Wrap(sst_transpose(Handle, dim0, dim1));

    /// <summary>Inserts a dimension of size 1.</summary>
    public Tensor unsqueeze(long dim) => Wrap(sst_unsqueeze(Handle, dim));

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor squeeze() => Wrap(sst_squeeze(Handle));

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1.</summary>
    public Tensor squeeze(long dim) => Wrap(sst_squeeze_dim(Handle, dim));

    /// <summary>Flattens dimensions <paramref name="start_dim"/>..<paramref name="end_dim"/> into one.</summary>
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => Wrap(sst_flatten(Handle, start_dim, end_dim));

    /// <summary>Broadcasts size-1 dimensions to a larger shape (a view; -1 keeps a size).</summary>
    public unsafe Tensor expand(params long[] shape) { fixed (long* p = shape) return Wrap(sst_expand(Handle, p, shape.Length)); }

    /// <summary>Tiles the tensor.</summary>
    public unsafe Tensor repeat(params long[] repeats) { fixed (long* p = repeats) return Wrap(sst_repeat(Handle, p, repeats.Length)); }

    /// <summary>A contiguous tensor with the same values.</summary>
    public Tensor contiguous() => Wrap(sst_contiguous(Handle));

    /// <summary>The slice <c>[start, start + length)</c> of dimension <paramref name="dim"/> (a view).</summary>
    public Tensor narrow(long dim, long start, long length) => Wrap(sst_narrow(Handle, dim, start, length));

    /// <summary>PyTorch's <c>x[..., start:end:step, ...]</c> on dimension <paramref name="dim"/> (a view).</summary>
    public Tensor slice(long dim, long start, long end, long step = 1) => Wrap(sst_slice(Handle, dim, start, end, step));

    /// <summary>Index <paramref name="index"/> of dimension <paramref name="dim"/>, removing that dimension (a view).</summary>
    public Tensor select(long dim, long index) => Wrap(sst_select(Handle, dim, index));

    /// <summary>Sliding windows of <paramref name="size"/> with <paramref name="step"/> along <paramref name="dim"/> (a view; new last dimension).</summary>
    public Tensor unfold(long dim, long size, long step) => Wrap(sst_unfold(Handle, dim, size, step));

    /// <summary>Splits into <paramref name="chunks"/> nearly equal pieces along <paramref name="dim"/>.</summary>
    public unsafe Tensor[] chunk(long chunks, long dim = 0)
    {
        if (chunks <= 0) throw new ArgumentOutOfRangeException(nameof(chunks), "chunk expects a positive number of chunks.");
        var buf = new IntPtr[chunks];
        int n;
        fixed (IntPtr* p = buf) n = Check.Status(sst_chunk(Handle, chunks, dim, p, buf.Length));
        return WrapAll(buf, n);
    }

    /// <summary>Splits into pieces of the given sizes along <paramref name="dim"/>.</summary>
    public unsafe Tensor[] split(long[] sizes, long dim = 0)
    {
        var buf = new IntPtr[sizes.Length];
        int n;
        fixed (IntPtr* p = buf)
        fixed (long* s = sizes)
            n = Check.Status(sst_split(Handle, s, sizes.Length, dim, p, buf.Length));
        return WrapAll(buf, n);
    }

    /// <summary>Splits into pieces of <paramref name="size"/> (the last may be smaller) along <paramref name="dim"/>.</summary>
    public Tensor[] split(long size, long dim = 0)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), "split size must be positive.");
        var total = this.size((int)dim);
        var sizes = new List<long>();
        for (long s = 0; s < total; s += size) sizes.Add(Math.Min(size, total - s));
        return split([.. sizes], dim);
    }

    internal static Tensor[] WrapAll(IntPtr[] handles, int n)
    {
        var r = new Tensor[n];
        for (int i = 0; i < n; i++) r[i] = Wrap(handles[i]);
        return r;
    }

    /// <summary>Selects entries along <paramref name="dim"/> by an int64 index tensor.</summary>
    public Tensor index_select(long dim, Tensor index) => Wrap(sst_index_select(Handle, dim, index.Handle));

    /// <summary>Gathers values along <paramref name="dim"/> by an int64 index tensor.</summary>
    public Tensor gather(long dim, Tensor index) => Wrap(sst_gather(Handle, dim, index.Handle));

    /// <summary>Out-of-place scatter of <paramref name="src"/> along <paramref name="dim"/>.</summary>
    public Tensor scatter(long dim, Tensor index, Tensor src) => Wrap(sst_scatter(Handle, dim, index.Handle, src.Handle));

    /// <summary>Rolls elements along dimensions (wrapping around).</summary>
    public unsafe Tensor roll(long[] shifts, long[] dims)
    {
        fixed (long* s = shifts)
        fixed (long* d = dims)
            return Wrap(sst_roll(Handle, s, shifts.Length, d, dims.Length));
    }

    /// <summary>Rolls elements along one dimension.</summary>
    public Tensor roll(long shift, long dim) => roll([shift], [dim]);

    /// <summary>Reverses the order along dimensions.</summary>
    public unsafe Tensor flip(params long[] dims) { fixed (long* p = dims) return Wrap(sst_flip(Handle, p, dims.Length)); }

    /// <summary>Replaces entries where <paramref name="mask"/> is true by <paramref name="value"/>.</summary>
    public Tensor masked_fill(Tensor mask, double value) => Wrap(sst_masked_fill(Handle, mask.Handle, value));

    /// <summary>The entries where <paramref name="mask"/> is true, as a 1-D tensor.</summary>
    public Tensor masked_select(Tensor mask) => Wrap(sst_masked_select(Handle, mask.Handle));

    /// <summary>Lower triangle (entries above diagonal <paramref name="k"/> set to zero).</summary>
    public Tensor tril(long k = 0) => Wrap(sst_tril(Handle, k));

    /// <summary>Upper triangle (entries below diagonal <paramref name="k"/> set to zero).</summary>
    public Tensor triu(long k = 0) => Wrap(sst_triu(Handle, k));
}
