using SpeechSeparation.Serialization;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Tensors.Tests;

/// <summary>Gradients from libtorch's autograd against float64 central finite differences.</summary>
public class GradientTests
{
    private static Tensor Rand(long[] shape, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = (rng.NextDouble() * 2 - 1) * scale;
        return torch.tensor(d, shape);
    }

    /// <summary>Checks d(sum(f(x)·w))/dx for every input against central differences.</summary>
    private static void CheckGradients(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        using var scope = torch.NewDisposeScope();
        var leaves = inputs.Select(t => t.detach().clone().requires_grad_()).ToArray();
        var y = f(leaves);
        var w = Rand(y.shape, 99);
        var loss = (y * w).sum();
        loss.backward();
        for (int i = 0; i < leaves.Length; i++)
        {
            var analytic = leaves[i].grad!.ToDoubleArray();
            var x0 = inputs[i].ToDoubleArray();
            var shape = inputs[i].shape;
            const double h = 1e-6;
            for (int j = 0; j < x0.Length; j++)
            {
                double Eval(double delta)
                {
                    using var s = torch.NewDisposeScope();
                    using var _ = torch.no_grad();
                    var xs = (double[])x0.Clone();
                    xs[j] += delta;
                    var args = inputs.Select((t, k) => k == i ? torch.tensor(xs, shape) : t).ToArray();
                    return (f(args) * w).sum().ToDouble();
                }
                double numeric = (Eval(h) - Eval(-h)) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[j]) <= 1e-6 + 1e-5 * Math.Abs(numeric),
                    $"input {i} element {j}: autograd {analytic[j]:G10}, finite difference {numeric:G10}");
            }
        }
    }

    [Fact] public void Linear() => CheckGradients(a => F.linear(a[0], a[1], a[2]), Rand([3, 4], 1), Rand([5, 4], 2), Rand([5], 3));

    [Fact] public void Conv1dStridedDilatedGrouped() =>
        CheckGradients(a => F.conv1d(a[0], a[1], a[2], stride: 2, padding: 1, dilation: 2, groups: 2), Rand([1, 4, 11], 4), Rand([6, 2, 3], 5), Rand([6], 6));

    [Fact] public void Conv2d() => CheckGradients(a => F.conv2d(a[0], a[1], a[2], padding: (1, 0)), Rand([1, 2, 5, 4], 7), Rand([3, 2, 3, 2], 8), Rand([3], 9));

    [Fact] public void ConvTranspose1d() =>
        CheckGradients(a => F.conv_transpose1d(a[0], a[1], a[2], stride: 2, padding: 1, output_padding: 1), Rand([1, 3, 6], 10), Rand([3, 2, 4], 11), Rand([2], 12));

    [Fact] public void ConvTranspose2d() =>
        CheckGradients(a => F.conv_transpose2d(a[0], a[1], a[2], stride: (2, 1)), Rand([1, 2, 3, 3], 13), Rand([2, 2, 2, 2], 14), Rand([2], 15));

    [Fact] public void LayerNorm() => CheckGradients(a => F.layer_norm(a[0], [5], a[1], a[2], 1e-5), Rand([3, 5], 16), Rand([5], 17), Rand([5], 18));

    [Fact] public void GroupNorm() => CheckGradients(a => F.group_norm(a[0], 2, a[1], a[2], 1e-5), Rand([2, 4, 3], 19), Rand([4], 20), Rand([4], 21));

    [Fact] public void BatchNormTraining() =>
        CheckGradients(a => F.batch_norm(a[0], null, null, a[1], a[2], training: true), Rand([4, 3, 2], 22), Rand([3], 23), Rand([3], 24));

    [Fact] public void InstanceNorm() => CheckGradients(a => F.instance_norm(a[0]), Rand([2, 2, 5], 25));

    [Fact]
    public void BidirectionalTwoLayerLstm()
    {
        const int input = 3, hidden = 2;
        var ps = new List<Tensor>();
        int seed = 30;
        for (int layer = 0; layer < 2; layer++)
            for (int d = 0; d < 2; d++)
            {
                int inSize = layer == 0 ? input : 2 * hidden;
                ps.Add(Rand([4 * hidden, inSize], seed++, 0.5));
                ps.Add(Rand([4 * hidden, hidden], seed++, 0.5));
                ps.Add(Rand([4 * hidden], seed++, 0.5));
                ps.Add(Rand([4 * hidden], seed++, 0.5));
            }
        CheckGradients(a =>
        {
            var h0 = torch.zeros([4, 1, hidden], ScalarType.Float64);
            return F.lstm(a[0], h0, h0, [.. a.Skip(1)], true, 2, 0, false, true, true).output;
        }, [Rand([1, 4, input], 29), .. ps]);
    }

    [Fact]
    public void Gru()
    {
        const int input = 3, hidden = 2;
        CheckGradients(a =>
        {
            var h0 = torch.zeros([1, 2, hidden], ScalarType.Float64);
            return F.gru(a[0], h0, [.. a.Skip(1)], true, 1, 0, false, false, false).output;
        }, Rand([4, 2, input], 50), Rand([3 * hidden, input], 51, 0.5), Rand([3 * hidden, hidden], 52, 0.5), Rand([3 * hidden], 53), Rand([3 * hidden], 54));
    }

    [Fact]
    public void Stft() =>
        CheckGradients(a => torch.stft(a[0], 8, 2, 8, torch.hann_window(8, true, ScalarType.Float64)).view_as_real(), Rand([20], 55));

    [Fact]
    public void Istft()
    {
        var win = torch.hann_window(8, true, ScalarType.Float64);
        using var spec = torch.stft(Rand([24], 56), 8, 2, 8, win).view_as_real().contiguous().DetachFromDisposeScope();
        CheckGradients(a => torch.istft(a[0].view_as_complex(), 8, 2, 8, win, length: 24), spec);
    }

    [Fact] public void PReLU() => CheckGradients(a => F.prelu(a[0], a[1]), Rand([2, 3, 4], 57), Rand([3], 58));

    [Fact] public void GeluSiluEluSoftplus() =>
        CheckGradients(a => F.gelu(a[0]) + F.silu(a[0]) * 0.5 + F.elu(a[0]) * 0.25 + F.softplus(a[0], 2, 20), Rand([7], 59, 2));

    [Fact] public void SoftmaxAndLogSoftmax() => CheckGradients(a => F.softmax(a[0], 1) + F.log_softmax(a[0], 0) * 0.1, Rand([3, 4], 60));

    [Fact] public void Glu() => CheckGradients(a => F.glu(a[0], 1), Rand([2, 6], 61));

    [Fact] public void ReflectPad() => CheckGradients(a => F.pad(a[0], [3, 2], PaddingMode.Reflect), Rand([1, 2, 6], 62));

    [Fact] public void MatmulEinsumBmm() =>
        CheckGradients(a => torch.einsum("bij,bjk->bik", a[0], a[1]) + a[0].bmm(a[1]) * 0.5, Rand([2, 3, 4], 63), Rand([2, 4, 2], 64));

    // In place on an intermediate (as MossFormer's attention uses it): the gradient reaches all three operands.
    [Fact] public void BaddbmmInPlace() =>
        CheckGradients(a => (a[2] * 1.5).baddbmm_(a[0], a[1], beta: 0.5, alpha: 2.0), Rand([2, 3, 4], 68), Rand([2, 4, 2], 69), Rand([2, 3, 2], 70));

    [Fact] public void FoldIsOverlapAdd() =>
        CheckGradients(a => F.fold(a[0], (1, 10), (1, 4), stride: (1, 2)), Rand([1, 4, 4], 65));

    [Fact] public void BilinearInterpolationAndAvgPool() =>
        CheckGradients(a => F.avg_pool2d(F.interpolate(a[0], [6, 5], InterpolationMode.Linear), (2, 2)), Rand([1, 1, 3, 4], 66));

    [Fact] public void SigmoidTanhSqrtLog() =>
        CheckGradients(a => a[0].sigmoid() * a[0].tanh() + (a[0].abs() + 1).sqrt() + (a[0].square() + 1).log(), Rand([6], 67));
}
