using System.Globalization;

namespace SpeechSeparation.Tensors.NN;

/// <summary>
/// Shared parameter layout of <see cref="LSTM"/> and <see cref="GRU"/>: per layer k and direction,
/// <c>weight_ih_l{k}[_reverse]</c> [G·H, in], <c>weight_hh_l{k}[_reverse]</c> [G·H, H], <c>bias_ih_l{k}[_reverse]</c>,
/// <c>bias_hh_l{k}[_reverse]</c> [G·H], all initialised U(-1/√H, 1/√H) as in PyTorch (G = 4 gates for LSTM, 3 for GRU).
/// </summary>
public abstract class RecurrentLayer : Module
{
    private readonly List<Parameter> _flat = [];

    /// <summary>Creates the parameters.</summary>
    protected RecurrentLayer(int gates, long inputSize, long hiddenSize, long numLayers, bool bias, bool batchFirst, double dropout, bool bidirectional)
    {
        if (numLayers < 1) throw new ArgumentOutOfRangeException(nameof(numLayers), "num_layers must be at least 1.");
        (InputSize, HiddenSize, NumLayers, HasBias, BatchFirst, DropoutP, Bidirectional) = (inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
        int dirs = bidirectional ? 2 : 1;
        for (long layer = 0; layer < numLayers; layer++)
        {
            long inSize = layer == 0 ? inputSize : hiddenSize * dirs;
            for (int d = 0; d < dirs; d++)
            {
                var suffix = "_l" + layer.ToString(CultureInfo.InvariantCulture) + (d == 1 ? "_reverse" : "");
                _flat.Add(RegisterParameter("weight_ih" + suffix, Init.NewUniform([gates * hiddenSize, inSize], hiddenSize))!);
                _flat.Add(RegisterParameter("weight_hh" + suffix, Init.NewUniform([gates * hiddenSize, hiddenSize], hiddenSize))!);
                if (bias)
                {
                    _flat.Add(RegisterParameter("bias_ih" + suffix, Init.NewUniform([gates * hiddenSize], hiddenSize))!);
                    _flat.Add(RegisterParameter("bias_hh" + suffix, Init.NewUniform([gates * hiddenSize], hiddenSize))!);
                }
            }
        }
    }

    /// <summary>Input features.</summary>
    public long InputSize { get; }
    /// <summary>Hidden units per direction.</summary>
    public long HiddenSize { get; }
    /// <summary>Stacked layers.</summary>
    public long NumLayers { get; }
    /// <summary>Whether biases exist.</summary>
    public bool HasBias { get; }
    /// <summary>Input and output are [B, T, F] rather than [T, B, F].</summary>
    public bool BatchFirst { get; }
    /// <summary>Dropout between layers in training.</summary>
    public double DropoutP { get; }
    /// <summary>Whether a reverse direction runs too.</summary>
    public bool Bidirectional { get; }

    /// <summary>Parameters in libtorch's flat order.</summary>
    protected IReadOnlyList<Tensor> FlatWeights => _flat;

    /// <summary>A zero initial state [layers·dirs, B, H] matching the input's dtype and device.</summary>
    protected Tensor ZeroState(Tensor input)
    {
        long batch = input.ndim == 2 ? 1 : input.size(BatchFirst ? 0 : 1);
        var shape = input.ndim == 2 ? new[] { NumLayers * (Bidirectional ? 2 : 1), HiddenSize } : new[] { NumLayers * (Bidirectional ? 2 : 1), batch, HiddenSize };
        return torch.zeros(shape, input.dtype, input.device);
    }
}

/// <summary>Multi-layer (bidirectional) LSTM with PyTorch's parameter names and gate order (i, f, g, o).</summary>
public sealed class LSTM : RecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    public LSTM(long inputSize, long hiddenSize, long numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0, bool bidirectional = false)
        : base(4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional) { }

    /// <summary>Runs the sequence; returns the output [B, T, dirs·H] (batch-first) and the final (h, c).</summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, (Tensor H, Tensor C)? state = null)
    {
        using var scope = torch.NewDisposeScope();
        var h0 = state?.H ?? ZeroState(input);
        var c0 = state?.C ?? ZeroState(input);
        var (o, h, c) = torch.nn.functional.lstm(input, h0, c0, FlatWeights, HasBias, NumLayers, DropoutP, Training, Bidirectional, BatchFirst);
        return (o.MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }
}

/// <summary>Multi-layer (bidirectional) GRU with PyTorch's parameter names and gate order (r, z, n).</summary>
public sealed class GRU : RecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    public GRU(long inputSize, long hiddenSize, long numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0, bool bidirectional = false)
        : base(3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional) { }

    /// <summary>Runs the sequence; returns the output and the final hidden state.</summary>
    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0 = null)
    {
        using var scope = torch.NewDisposeScope();
        var h = h0 ?? ZeroState(input);
        var (o, hn) = torch.nn.functional.gru(input, h, FlatWeights, HasBias, NumLayers, DropoutP, Training, Bidirectional, BatchFirst);
        return (o.MoveToOuterDisposeScope(), hn.MoveToOuterDisposeScope());
    }
}
