using F = SpeechSeparation.Tensors.torch.nn.functional;

namespace SpeechSeparation.Tensors.NN;

/// <summary>Instance normalisation of [B, C, ...] (PyTorch defaults: no affine parameters, no running statistics).</summary>
public sealed class InstanceNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public InstanceNorm(long numFeatures, double eps = 1e-5, bool affine = false)
    {
        Eps = eps;
        Weight = RegisterParameter("weight", affine ? Init.NewParameter([numFeatures], 1) : null);
        Bias = RegisterParameter("bias", affine ? Init.NewParameter([numFeatures], 0) : null);
    }

    /// <summary>Epsilon.</summary>
    public double Eps { get; }
    /// <summary>[C] or null.</summary>
    public Parameter? Weight { get; }
    /// <summary>[C] or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.instance_norm(input, null, null, Weight, Bias, true, 0.1, Eps);
}
