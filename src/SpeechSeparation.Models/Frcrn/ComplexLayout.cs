using SpeechSeparation.Tensors;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// Conversions between upstream's complex layout <c>[B, C, H, T, 2]</c> (last axis real/imaginary) and the packed
/// layout the port computes in, <c>[B, 2C, H, T]</c> (channels 0..C-1 real parts, C..2C-1 imaginary parts). The packed
/// layout lets a complex convolution run as one real convolution with block weights and needs no copies between layers.
/// </summary>
public static class ComplexLayout
{
    /// <summary>[B, C, H, T, 2] → [B, 2C, H, T].</summary>
    public static Tensor Pack(Tensor x)
    {
        if (x.ndim != 5 || x.size(4) != 2) throw new ArgumentException($"Expected a complex tensor [B, C, H, T, 2], got [{string.Join(", ", x.shape)}].");
        var s = x.shape;
        return x.permute(0, 4, 1, 2, 3).reshape(s[0], 2 * s[1], s[2], s[3]);
    }

    /// <summary>[B, 2C, H, T] → [B, C, H, T, 2] (contiguous).</summary>
    public static Tensor Unpack(Tensor x)
    {
        var s = x.shape;
        return x.view(s[0], 2, s[1] / 2, s[2], s[3]).permute(0, 2, 3, 4, 1).contiguous();
    }

    /// <summary>Concatenates two packed tensors along the channel axis the way upstream concatenates [B, C, H, T, 2] on C.</summary>
    public static Tensor CatChannels(Tensor a, Tensor b)
    {
        var sa = a.shape;
        var sb = b.shape;
        var r = torch.cat([a.view(sa[0], 2, sa[1] / 2, sa[2], sa[3]), b.view(sb[0], 2, sb[1] / 2, sb[2], sb[3])], 2);
        return r.view(sa[0], sa[1] + sb[1], sa[2], sa[3]);
    }
}
