using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>
/// Batch normalisation over dimension 1 with PyTorch's keys and behaviour: affine <c>weight</c>/<c>bias</c> [C], running
/// statistics <c>running_mean</c>/<c>running_var</c> [C] updated with <see cref="Momentum"/> in training, and the step
/// counter <c>num_batches_tracked</c>.
/// </summary>
/// <remarks>Used instead of TorchSharp's <c>nn.BatchNorm1d/2d</c>, whose training step counts batches through a
/// temporary scalar (see <see cref="KeptScalars"/>).</remarks>
public abstract class BatchNorm : Module<Tensor, Tensor>
{
    private readonly int[] _inputRanks;

    /// <summary>Creates the layer: weight 1, bias 0, running mean 0, running variance 1.</summary>
    /// <param name="numFeatures">Channels C (dimension 1 of the input).</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="momentum">Weight of the new batch in the running statistics.</param>
    /// <param name="inputRanks">The input ranks this variant accepts.</param>
    protected BatchNorm(long numFeatures, double eps, double momentum, params int[] inputRanks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numFeatures, 1);
        _inputRanks = inputRanks;
        Eps = eps;
        Momentum = momentum;
        Weight = RegisterParameter("weight", new TorchSharp.Modules.Parameter(ones(numFeatures)))!;
        Bias = RegisterParameter("bias", new TorchSharp.Modules.Parameter(zeros(numFeatures)))!;
        RunningMean = RegisterBuffer("running_mean", zeros(numFeatures));
        RunningVar = RegisterBuffer("running_var", ones(numFeatures));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", zeros(1, ScalarType.Int64).squeeze());
    }

    /// <summary>Scale γ, [C].</summary>
    public TorchSharp.Modules.Parameter Weight { get; }
    /// <summary>Shift β, [C].</summary>
    public TorchSharp.Modules.Parameter Bias { get; }
    /// <summary>Running mean, [C].</summary>
    public Tensor RunningMean { get; }
    /// <summary>Running (unbiased) variance, [C].</summary>
    public Tensor RunningVar { get; }
    /// <summary>Training steps seen, a 0-dimensional int64 tensor.</summary>
    public Tensor NumBatchesTracked { get; }
    /// <summary>Added to the variance.</summary>
    public double Eps { get; }
    /// <summary>Weight of the new batch in the running statistics.</summary>
    public double Momentum { get; }

    /// <summary>Normalises with batch statistics in training (updating the running ones), running statistics in eval.</summary>
    public override Tensor forward(Tensor input)
    {
        if (!_inputRanks.Contains((int)input.dim()))
            throw new ArgumentException($"{GetType().Name} expects a {string.Join(" or ", _inputRanks)}-D input, got {input.dim()}-D [{string.Join(", ", input.shape)}].", nameof(input));
        if (training) NumBatchesTracked.add_(KeptScalars.One, KeptScalars.One);
        return F.batch_norm(input, RunningMean, RunningVar, Weight, Bias, training, Momentum, Eps);
    }
}

/// <summary><c>nn.BatchNorm1d</c>: input [B, C] or [B, C, L].</summary>
public sealed class BatchNorm1d(long numFeatures, double eps = 1e-5, double momentum = 0.1)
    : BatchNorm(numFeatures, eps, momentum, 2, 3);

/// <summary><c>nn.BatchNorm2d</c>: input [B, C, H, W].</summary>
public sealed class BatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1)
    : BatchNorm(numFeatures, eps, momentum, 4);
