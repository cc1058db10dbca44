using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>The common tail of MossFormer and MossFormer2: apply the masks, decode every speaker, fix the length.</summary>
internal static class MaskedDecoding
{
    /// <summary>
    /// <paramref name="w"/> [B, N, L] encoder features, <paramref name="masks"/> [S, B, N, L] → [B, T, S]: each speaker's
    /// masked features decoded, zero-padded at the end (or cropped) to <paramref name="length"/> samples. With
    /// <paramref name="applyMask"/> false the mask net's outputs are decoded as they are (the authors' WHAMR! model).
    /// </summary>
    public static Tensor Run(Decoder decoder, Tensor w, Tensor masks, long length, bool applyMask = true)
    {
        using var scope = torch.NewDisposeScope();
        long s = masks.shape[0], b = w.shape[0], n = w.shape[1], l = w.shape[2];
        var sep = (applyMask ? w.unsqueeze(0) * masks : masks).reshape(s * b, n, l);   // [S·B, N, L]
        var y = decoder.forward(sep);                                  // [S·B, T']
        long tEst = y.shape[^1];
        var est = y.view(s, b, tEst).permute(1, 2, 0);                 // [B, T', S]
        est = length > tEst ? F.pad(est, [0, 0, 0, length - tEst]) : est.narrow(1, 0, length);
        return est.contiguous().MoveToOuterDisposeScope();
    }
}
