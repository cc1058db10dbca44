using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Tensors.Tests;

public class TensorBasicsTests
{
    [Fact]
    public void CreationAndCopyOutRoundTrip()
    {
        using var scope = torch.NewDisposeScope();
        var data = new float[] { 1, 2, 3, 4, 5, 6 };
        var t = torch.tensor(data, [2, 3]);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(torch.CPU, t.device);
        Assert.Equal(data, t.ToFloatArray());
        Assert.Equal(new double[] { 0, 1, 2, 3, 4 }, torch.arange(0, 5, 1, ScalarType.Float64).ToDoubleArray());
        Assert.Equal(new double[] { 0, 0.25, 0.5, 0.75, 1 }, torch.linspace(0, 1, 5, ScalarType.Float64).ToDoubleArray());
        Assert.Equal(7.5, torch.full([2, 2], 7.5).sum().ToDouble() / 4);
        Assert.Equal(new float[] { 0, 0, 0 }, torch.zeros(3).ToFloatArray());
        Assert.Equal(3, torch.eye(3).sum().ToDouble());
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.UInt8)]
    [InlineData(ScalarType.Bool)]
    [InlineData(ScalarType.Complex64)]
    public void HostTensorRoundTripIsBitExactForEveryDtype(ScalarType dtype)
    {
        var rng = new Random(5);
        var bytes = new byte[6 * dtype.ElementSize()];
        rng.NextBytes(bytes);
        if (dtype == ScalarType.Bool) for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
        if (dtype is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.Complex64)
        {
            // Keep values finite so NaN payloads cannot be canonicalised.
            var d = new double[bytes.Length / dtype.ElementSize() * (dtype == ScalarType.Complex64 ? 2 : 1)];
            for (int i = 0; i < d.Length; i++) d[i] = Math.Round(rng.NextDouble() * 8 - 4, 2);
            bytes = dtype switch
            {
                ScalarType.Float64 => HostTensor.FromDoubles(d, 6).Data,
                ScalarType.Float32 or ScalarType.Complex64 => HostTensor.FromFloats(d.Select(x => (float)x).ToArray(), d.Length).Data,
                ScalarType.Float16 => d.SelectMany(x => BitConverter.GetBytes((Half)x)).ToArray(),
                _ => d.SelectMany(x => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits((float)x) >> 16))).ToArray(),
            };
        }
        var host = new HostTensor(dtype, [2, 3], bytes);
        using var t = HostTensors.ToTensor(host);
        Assert.Equal(dtype, t.dtype);
        var back = t.ToHost();
        Assert.Equal(host.Shape, back.Shape);
        Assert.Equal(host.Data, back.Data);
    }

    [Fact]
    public void ShapeOpsMoveElementsLikePyTorch()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.arange(0, 24, 1).view(2, 3, 4);
        // permute(2, 0, 1)[k, i, j] == x[i, j, k]
        var p = x.permute(2, 0, 1).contiguous().ToFloatArray();
        var xs = x.ToFloatArray();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    Assert.Equal(xs[i * 12 + j * 4 + k], p[k * 6 + i * 3 + j]);
        Assert.Equal(new long[] { 2, 4, 3 }, x.transpose(1, 2).shape);
        Assert.Equal(new long[] { 2, 1, 3, 4 }, x.unsqueeze(1).shape);
        Assert.Equal(new long[] { 2, 3, 4 }, x.unsqueeze(1).squeeze(1).shape);
        Assert.Equal(new long[] { 6, 4 }, x.flatten(0, 1).shape);
        Assert.Equal(new float[] { 4, 5, 6, 7, 16, 17, 18, 19 }, x.narrow(1, 1, 1).contiguous().ToFloatArray());
        Assert.Equal(new float[] { 1, 3, 5, 7, 9, 11 }, x.select(0, 0).slice(1, 1, 4, 2).contiguous().ToFloatArray());
        var parts = x.chunk(2, 2);
        Assert.Equal(2, parts.Length);
        Assert.Equal(new float[] { 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21 }, parts[0].contiguous().ToFloatArray());
        var sp = x.split([1L, 3L], 2);
        Assert.Equal(new long[] { 2, 3, 3 }, sp[1].shape);
        Assert.Equal(xs, torch.cat(parts, 2).contiguous().ToFloatArray());
        Assert.Equal(new long[] { 2, 2, 3, 2 }, torch.stack(parts, 1).shape);
        Assert.Equal(new float[] { 3, 0, 1, 2 }, torch.arange(0, 4, 1).roll(1, 0).ToFloatArray());
        Assert.Equal(new float[] { 3, 2, 1, 0 }, torch.arange(0, 4, 1).flip(0).ToFloatArray());
        Assert.Equal(new float[] { 2, 0 }, torch.arange(0, 4, 1).index_select(0, torch.tensor(new long[] { 2, 0 })).ToFloatArray());
        Assert.Equal(new float[] { 1, 1, 1, 1, 1, 1 }, torch.ones(1, 3).expand(2, 3).contiguous().ToFloatArray());
        Assert.Equal(new float[] { 0, 0, 3, 3 }, torch.arange(0, 4, 1).view(2, 2).gather(1, torch.tensor(new long[] { 0, 0, 1, 1 }, [2, 2])).ToFloatArray());
    }

    [Fact]
    public void PaddingModesMatchTheirDefinitions()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3, 4 }, [1, 1, 4]);
        Assert.Equal(new float[] { 3, 2, 1, 2, 3, 4, 3, 2 }, F.pad(x, [2, 2], PaddingMode.Reflect).ToFloatArray());
        Assert.Equal(new float[] { 1, 1, 1, 2, 3, 4, 4 }, F.pad(x, [2, 1], PaddingMode.Replicate).ToFloatArray());
        Assert.Equal(new float[] { 9, 1, 2, 3, 4, 9, 9 }, F.pad(x, [1, 2], PaddingMode.Constant, 9).ToFloatArray());
    }

    [Fact]
    public void ArithmeticBroadcastsAndReducesLikeTheFormulas()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = torch.tensor(new double[] { 10, 20, 30 }, [3]);
        Assert.Equal(new double[] { 11, 22, 33, 14, 25, 36 }, (a + b).ToDoubleArray());
        Assert.Equal(new double[] { -9, -18, -27, -6, -15, -24 }, (a - b).ToDoubleArray());
        Assert.Equal(new double[] { 2, 4, 6, 8, 10, 12 }, (a * 2).ToDoubleArray());
        Assert.Equal(new double[] { 1, 0.5, 1.0 / 3, 0.25, 0.2, 1.0 / 6 }, (1.0 / a).ToDoubleArray());
        Assert.Equal(new double[] { 6, 15 }, a.sum(1).ToDoubleArray());
        Assert.Equal(new double[] { 2.5, 3.5, 4.5 }, a.mean(0).ToDoubleArray());
        Assert.Equal(new double[] { 1, 1 }, a.var(1).ToDoubleArray());          // unbiased: ((1)^2+0+(1)^2)/2
        Assert.Equal(Math.Sqrt(91), a.norm().ToDouble(), 12);
        var (mx, idx) = a.max(1);
        Assert.Equal(new double[] { 3, 6 }, mx.ToDoubleArray());
        Assert.Equal(new long[] { 2, 2 }, idx.ToInt64Array());
        Assert.Equal(new double[] { 1, 3, 6, 4, 9, 15 }, a.cumsum(1).ToDoubleArray());
        Assert.Equal(new double[] { 2, 2, 3, 4, 4, 4 }, a.clamp(2, 4).ToDoubleArray());
        Assert.Equal(new double[] { 0, 0, 1, 1, 1, 1 }, a.gt(2.5).@double().ToDoubleArray());
        var odd = a.remainder(torch.full([1], 2, ScalarType.Float64)).eq(1);
        Assert.Equal(new double[] { 10, 2, 30, 4, 20, 6 }, torch.where(odd, b.repeat(2).view(2, 3), a).ToDoubleArray());
        // matmul against the definition
        var m = torch.tensor(new double[] { 1, 0, -1, 2, 1, 0 }, [3, 2]);
        // m = [[1, 0], [-1, 2], [1, 0]]
        Assert.Equal(new double[] { 1 - 2 + 3, 0 + 4 + 0, 4 - 5 + 6, 0 + 10 + 0 }, a.matmul(m).ToDoubleArray());
        Assert.Equal(a.matmul(m).ToDoubleArray(), torch.einsum("ij,jk->ik", a, m).ToDoubleArray());
        Assert.Equal(a.matmul(m).ToDoubleArray(), a.unsqueeze(0).bmm(m.unsqueeze(0)).ToDoubleArray());
        // baddbmm_: beta·C + alpha·(A @ B) in place, checked against the matrix product and the formula
        using var c = torch.randn(1, a.shape[0], m.shape[1]).@double();
        var expected = (c * 0.5 + a.matmul(m) * 2.0).ToDoubleArray();
        var target = c.clone();
        Assert.Same(target, target.baddbmm_(a.unsqueeze(0), m.unsqueeze(0), beta: 0.5, alpha: 2.0));
        var got = target.ToDoubleArray();
        for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], got[k], 5);
    }

    [Fact]
    public void ComplexHelpersAgreeWithEulersFormula()
    {
        using var scope = torch.NewDisposeScope();
        var mag = torch.tensor(new double[] { 1, 2, 0.5 });
        var ph = torch.tensor(new double[] { 0, Math.PI / 2, -Math.PI / 4 });
        var z = torch.polar(mag, ph);
        var re = z.real.ToDoubleArray();
        var im = z.imag.ToDoubleArray();
        for (int i = 0; i < 3; i++)
        {
            double m = new[] { 1, 2, 0.5 }[i], p = new[] { 0, Math.PI / 2, -Math.PI / 4 }[i];
            Assert.Equal(m * Math.Cos(p), re[i], 12);
            Assert.Equal(m * Math.Sin(p), im[i], 12);
        }
        Assert.Equal(new double[] { 1, 2, 0.5 }, z.abs().ToDoubleArray().Select(v => Math.Round(v, 12)).ToArray());
        Assert.Equal(new long[] { 3, 2 }, z.view_as_real().shape);
        var back = z.view_as_real().view_as_complex();
        Assert.Equal(z.angle().ToDoubleArray().Select(v => Math.Round(v, 12)), ph.ToDoubleArray().Select(v => Math.Round(v, 12)));
        Assert.Equal(ScalarType.Complex128, back.dtype);
    }

    [Fact]
    public void RfftMatchesTheDftDefinition()
    {
        using var scope = torch.NewDisposeScope();
        var rng = new Random(1);
        int n = 12;
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var X = torch.fft.rfft(torch.tensor(x)).view_as_real().ToDoubleArray();
        for (int k = 0; k <= n / 2; k++)
        {
            double re = 0, im = 0;
            for (int t = 0; t < n; t++) { re += x[t] * Math.Cos(2 * Math.PI * k * t / n); im -= x[t] * Math.Sin(2 * Math.PI * k * t / n); }
            Assert.Equal(re, X[2 * k], 10);
            Assert.Equal(im, X[2 * k + 1], 10);
        }
        var y = torch.fft.irfft(torch.fft.rfft(torch.tensor(x)), n).ToDoubleArray();
        for (int t = 0; t < n; t++) Assert.Equal(x[t], y[t], 12);
    }

    [Fact]
    public void StftWithCenterReflectMatchesAFramedDft()
    {
        using var scope = torch.NewDisposeScope();
        var rng = new Random(2);
        int n = 64, nfft = 16, hop = 4;
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var win = torch.hann_window(nfft, true, ScalarType.Float64);
        var S = torch.stft(torch.tensor(x), nfft, hop, nfft, win).view_as_real(); // [F, T, 2]
        Assert.Equal(new long[] { nfft / 2 + 1, 1 + n / hop, 2 }, S.shape);
        var s = S.ToDoubleArray();
        var w = win.ToDoubleArray();
        int frames = 1 + n / hop;
        double Padded(int i) { int j = i - nfft / 2; if (j < 0) j = -j; if (j >= n) j = 2 * (n - 1) - j; return x[j]; }
        for (int f = 0; f < frames; f += 3)
            for (int k = 0; k <= nfft / 2; k++)
            {
                double re = 0, im = 0;
                for (int t = 0; t < nfft; t++)
                {
                    double v = Padded(f * hop + t) * w[t];
                    re += v * Math.Cos(2 * Math.PI * k * t / nfft);
                    im -= v * Math.Sin(2 * Math.PI * k * t / nfft);
                }
                Assert.Equal(re, s[(k * frames + f) * 2], 10);
                Assert.Equal(im, s[(k * frames + f) * 2 + 1], 10);
            }
        var y = torch.istft(torch.stft(torch.tensor(x), nfft, hop, nfft, win), nfft, hop, nfft, win, length: n).ToDoubleArray();
        for (int i = 0; i < n; i++) Assert.Equal(x[i], y[i], 10);
    }

    [Fact]
    public void SeededGeneratorsAreReproducible()
    {
        using var scope = torch.NewDisposeScope();
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        var a = torch.randn([100], generator: g1).ToFloatArray();
        var b = torch.randn([100], generator: g2).ToFloatArray();
        Assert.Equal(a, b);
        Assert.InRange(a.Average(), -0.3, 0.3);
        torch.manual_seed(7);
        var c = torch.rand(50).ToFloatArray();
        torch.manual_seed(7);
        Assert.Equal(c, torch.rand(50).ToFloatArray());
        Assert.All(c, v => Assert.InRange(v, 0f, 1f));
        var perm = torch.randperm(10, g1).ToInt64Array();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), perm.Order());
    }

    [Fact]
    public void ThreadCountCanBeSet()
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(1);
        Assert.Equal(1, torch.get_num_threads());
        torch.set_num_threads(before);
        Assert.Equal(before, torch.get_num_threads());
        Assert.Throws<ArgumentOutOfRangeException>(() => torch.set_num_threads(0));
    }
}
