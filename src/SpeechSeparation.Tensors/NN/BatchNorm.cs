using SpeechSeparation.Serialization;
using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>
/// Batch normalisation over dimension 1 (keys <c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>,
/// <c>num_batches_tracked</c>). <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/> differ only in the input rank they accept.
/// </summary>
public abstract class BatchNorm : Module<Tensor, Tensor>
{
    private readonly int _rankA, _rankB;

    /// <summary>Creates the layer (weight 1, bias 0, mean 0, var 1).</summary>
    protected BatchNorm(long numFeatures, double eps, double momentum, bool affine, bool trackRunningStats, int rankA, int rankB)
    {
        (Eps, Momentum, _rankA, _rankB) = (eps, momentum, rankA, rankB);
        Weight = RegisterParameter("weight", affine ? Init.NewParameter([numFeatures], 1) : null);
        Bias = RegisterParameter("bias", affine ? Init.NewParameter([numFeatures], 0) : null);
        if (trackRunningStats)
        {
            RunningMean = RegisterBuffer("running_mean", torch.zeros(numFeatures));
            RunningVar = RegisterBuffer("running_var", torch.ones(numFeatures));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", torch.zeros([], ScalarType.Int64));
        }
    }

    /// <summary>Epsilon.</summary>
    public double Eps { get; }
    /// <summary>Running-statistics momentum.</summary>
    public double Momentum { get; }
    /// <summary>[C] or null.</summary>
    public Parameter? Weight { get; }
    /// <summary>[C] or null.</summary>
    public Parameter? Bias { get; }
    /// <summary>Running mean, or null.</summary>
    public Tensor? RunningMean { get; }
    /// <summary>Running variance, or null.</summary>
    public Tensor? RunningVar { get; }
    /// <summary>Number of training batches seen, or null.</summary>
    public Tensor? NumBatchesTracked { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        int r = input.ndim;
        if (r != _rankA && r != _rankB)
            throw new ArgumentException($"{GetType().Name} expects a {_rankA}-D or {_rankB}-D input, got {r}-D [{string.Join(", ", input.shape)}].");
        bool useBatch = Training || RunningMean is null;
        if (Training && NumBatchesTracked is not null)
            using (torch.no_grad()) NumBatchesTracked.add_(1);
        return F.batch_norm(input, Training ? RunningMean : RunningMean, RunningVar, Weight, Bias, useBatch, Momentum, Eps);
    }
}

/// <summary>Batch normalisation of [B, C] or [B, C, L].</summary>
public sealed class BatchNorm1d(long numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats, 2, 3);

/// <summary>Batch normalisation of [B, C, H, W].</summary>
public sealed class BatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats, 4, 4);
