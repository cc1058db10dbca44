using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>
/// ModelScope's <c>ConvSTFT</c> (complex features): a strided <c>conv1d</c> with the fixed kernel
/// <c>weight [2F, 1, win_len]</c> (square-root-windowed truncated DFT, see <see cref="StftKernels"/>), no centring or
/// padding. [B, N] or [B, 1, N] → stacked spectrum [B, 2F, T] (rows 0..F-1 real, F..2F-1 imaginary),
/// <c>T = 1 + (N − win_len) / win_inc</c>.
/// </summary>
public sealed class ConvStft : Module<Tensor, Tensor>
{
    /// <summary>Creates the transform with its kernel rebuilt from the formulas (<c>fix=True</c>: no gradient).</summary>
    public ConvStft(int winLen, int winInc, int fftLen, string? winType = "hann")
    {
        (WinLen, WinInc, FftLen) = (winLen, winInc, fftLen);
        int rows = 2 * (fftLen / 2 + 1);
        using var w = torch.tensor(StftKernels.Analysis(winLen, fftLen, winType), [rows, 1, winLen]).DetachFromDisposeScope();
        Weight = RegisterParameter("weight", new Parameter(w, requires_grad: false))!;
    }

    /// <summary>Window length.</summary>
    public int WinLen { get; }
    /// <summary>Hop.</summary>
    public int WinInc { get; }
    /// <summary>FFT size.</summary>
    public int FftLen { get; }
    /// <summary>[2F, 1, win_len]</summary>
    public Parameter Weight { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input.ndim == 2 ? input.unsqueeze(1) : input;          // [B, 1, N]
        if (x.ndim != 3 || x.size(1) != 1) throw new ArgumentException($"ConvStft expects [B, N] or [B, 1, N], got [{string.Join(", ", input.shape)}].");
        if (x.size(2) < WinLen) throw new ArgumentException($"ConvStft needs at least win_len={WinLen} samples, got {x.size(2)}.");
        var y = F.conv1d(x, Weight, null, WinInc);                      // [B, 2F, T]
        return y.MoveToOuterDisposeScope();
    }
}
