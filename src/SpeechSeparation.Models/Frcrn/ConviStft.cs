using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// ModelScope's <c>ConviSTFT</c>: <c>conv_transpose1d</c> of the stacked spectrum with the fixed synthesis kernel
/// (pseudo-inverse of the analysis matrix times the square-root window), divided by the overlap-added squared window
/// plus 1e-8. No trimming: [B, 2F, T] → [B, 1, (T−1)·win_inc + win_len]. Where the overlap-added window is small (the
/// first and last hop) samples are amplified, as upstream.
/// Keys: <c>weight [2F, 1, win_len]</c> (parameter, no gradient), buffers <c>window [1, win_len, 1]</c> and
/// <c>enframe [win_len, 1, win_len]</c> (the identity).
/// </summary>
public sealed class ConviStft : Module<Tensor, Tensor>
{
    /// <summary>Creates the transform with its kernel and buffers rebuilt from the formulas.</summary>
    public ConviStft(int winLen, int winInc, int fftLen, string? winType = "hann")
    {
        (WinLen, WinInc, FftLen) = (winLen, winInc, fftLen);
        int rows = 2 * (fftLen / 2 + 1);
        using var w = torch.tensor(StftKernels.Synthesis(winLen, fftLen, winType), [rows, 1, winLen]).DetachFromDisposeScope();
        Weight = RegisterParameter("weight", new Parameter(w, requires_grad: false))!;
        var win = StftKernels.SqrtWindow(winLen, winType).Select(v => (float)v).ToArray();
        Window = RegisterBuffer("window", torch.tensor(win, [1, winLen, 1]));
        Enframe = RegisterBuffer("enframe", torch.eye(winLen).view(winLen, 1, winLen));
    }

    /// <summary>Window length.</summary>
    public int WinLen { get; }
    /// <summary>Hop.</summary>
    public int WinInc { get; }
    /// <summary>FFT size.</summary>
    public int FftLen { get; }
    /// <summary>[2F, 1, win_len]</summary>
    public Parameter Weight { get; }
    /// <summary>Square-root window [1, win_len, 1].</summary>
    public Tensor Window { get; }
    /// <summary>Identity framing kernel [win_len, 1, win_len].</summary>
    public Tensor Enframe { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        long frames = input.size(-1);
        var y = F.conv_transpose1d(input, Weight, null, WinInc);        // [B, 1, L]
        long length = y.size(2);
        // coff = overlap-add of window² over the frames (upstream: conv_transpose1d with the identity 'enframe').
        var w2 = (Window * Window).expand(1, WinLen, frames).contiguous();             // [1, win_len, T]
        var coff = F.fold(w2, (1, length), (1, WinLen), stride: (1, WinInc)).view(1, 1, length); // [1, 1, L]
        var r = y / coff.Add(1e-8);                                       // [B, 1, L]
        return r.MoveToOuterDisposeScope();
    }
}
