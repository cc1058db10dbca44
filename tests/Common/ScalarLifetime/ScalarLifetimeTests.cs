using SpeechSeparation.Tensors;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SpeechSeparation.Tests.Common;

/// <summary>
/// No code of the library, its tool or its tests lets TorchSharp create a scalar that can be finalized while libtorch
/// still reads it (see <see cref="KeptScalars"/>): a check of the compiled IL of every SpeechSeparation assembly next to
/// this test assembly, this one included.
/// </summary>
public class ScalarLifetimeTests
{
    [Fact]
    public void NoAssemblyCreatesAScalarItDoesNotKeep()
    {
        var assemblies = Directory.GetFiles(AppContext.BaseDirectory, "SpeechSeparation*.dll").Append(Path.Combine(AppContext.BaseDirectory, "speechsep.dll"))
            .Where(File.Exists).ToList();
        Assert.Contains(assemblies, a => Path.GetFileName(a) == "SpeechSeparation.Tensors.dll");
        var sites = assemblies.SelectMany(a => ScalarLifetimeScan.Scan(a, skipType: t => t.EndsWith(nameof(ScalarLifetimeExamples)))).ToList();
        Assert.True(sites.Count == 0, "Temporary TorchSharp scalars (use KeptScalars):\n" + string.Join("\n", sites));
    }

    [Fact]
    public void TheScanFindsEachKindOfTemporaryScalarAndAcceptsKeptOnes()
    {
        var sites = ScalarLifetimeScan.Scan(typeof(ScalarLifetimeExamples).Assembly.Location,
            skipType: t => !t.EndsWith(nameof(ScalarLifetimeExamples)));
        string[] flagged = [.. sites.Select(s => s.Method[(s.Method.LastIndexOf('.') + 1)..]).Distinct().Order()];
        Assert.Equal([nameof(ScalarLifetimeExamples.Implicit), nameof(ScalarLifetimeExamples.InsideOperator),
            nameof(ScalarLifetimeExamples.InsideTensorSum), nameof(ScalarLifetimeExamples.ModuleWithHazardousForward)], flagged);
        Assert.Contains(sites, s => s.Method.EndsWith(nameof(ScalarLifetimeExamples.InsideTensorSum)) && s.Callee.StartsWith("TorchSharp.torch.Tensor::op_Addition("));
        Assert.All(sites, s => Assert.Matches(@"ScalarLifetimeTests\.cs:\d+", s.Location));   // located through the PDB
        Assert.Contains("TorchSharp.torch.Tensor::add(TorchSharp.torch.Tensor)TorchSharp.torch.Tensor", ScalarLifetimeScan.HazardousMembers);
        Assert.DoesNotContain("TorchSharp.torch.Tensor::mul(TorchSharp.torch.Tensor)TorchSharp.torch.Tensor", ScalarLifetimeScan.HazardousMembers);
    }

    [Fact]
    public void KeptScalarsComputeWhatTorchSharpsOperatorsCompute()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { -3, -0.5f, 0, 2, 7 });
        var b = tensor(new float[] { 1, 2, 3, 4, 5 });
        float[] x = a.ToFloatArray(), y = b.ToFloatArray();
        Close(x.Select((v, i) => v + y[i]), a.Add(b).ToFloatArray());
        Close(x.Select((v, i) => v + 0.25f * y[i]), a.Add(b, 0.25).ToFloatArray());
        Close(x.Select(v => v * 0.1f), a.Mul(0.1).ToFloatArray());           // the scalar is rounded to float first
        Close(x.Select(v => v / 3f), a.Div(3).ToFloatArray());
        Close(x.Select(v => v + 1e-8f), a.Add(1e-8).ToFloatArray());
        Close(y.Select(v => 1f / v * 2f), b.DivideInto(2).ToFloatArray());
        Close(x.Select(v => Math.Max(v, 0f)), a.ClampMin(0).ToFloatArray());
        Close(x.Select(v => Math.Min(v, 1f)), a.ClampMax(1).ToFloatArray());
        Close(x.Select(v => v > 0 ? v : 0.01f * v), a.LeakyRelu(0.01).ToFloatArray());
        Close(x.Select(v => v > 1 ? 9f : v), a.MaskedFill(a.gt(KeptScalars.One), 9).ToFloatArray());
        Close(new float[] { 0, 1, 2, 3 }, KeptScalars.Arange(4, ScalarType.Float32).ToFloatArray());
        var c = a.clone();
        c.MulInPlace(2).AddInPlace(b, -1).AddInPlace(0.5).DivInPlace(4);
        Close(x.Select((v, i) => (v * 2 - y[i] + 0.5f) / 4), c.ToFloatArray());
        c.ClampInPlace(-0.5, 0.5);
        Assert.All(c.ToFloatArray(), v => Assert.InRange(v, -0.5f, 0.5f));
        var d = zeros(5);
        d.AddcmulInPlace(a, b, 0.5).AddcdivInPlace(a, b, 2);
        Close(x.Select((v, i) => 0.5f * v * y[i] + 2 * (v / y[i])), d.ToFloatArray());
        Close(Enumerable.Repeat(3f, 5), d.FillInPlace(3).ToFloatArray());
    }

    // Equal to within a few float rounding steps: libtorch may vectorise (fused multiply–add, reciprocal) differently.
    private static void Close(IEnumerable<float> expected, float[] actual)
    {
        float[] e = [.. expected];
        Assert.Equal(e.Length, actual.Length);
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - actual[i]) <= 1e-6 * Math.Max(1, Math.Abs(e[i])), $"[{i}] {e[i]} vs {actual[i]}");
    }
}

/// <summary>Code the scan must flag (and code it must accept) — excluded from the scan of real code.</summary>
public static class ScalarLifetimeExamples
{
    public static Tensor Implicit(Tensor x) => x.clamp_min(0);                         // int → Scalar, dropped
    public static Tensor InsideOperator(Tensor x) => x * 0.5;                           // TorchSharp converts inside
    public static Tensor InsideTensorSum(Tensor x, Tensor y) => x + y;                  // add(y, alpha: 1)
    public static nn.Module<Tensor, Tensor> ModuleWithHazardousForward() => nn.LeakyReLU(0.2);
    public static Tensor Kept(Tensor x) => x.Mul(0.5).Add(x).ClampMin(0);
    public static Tensor Disposed(Tensor x) { using var s = 0.5.ToScalar(); return x.mul(s); }
    public static Tensor Product(Tensor x, Tensor y) => x * y;
    private static readonly Scalar Two = 2.ToScalar();
    public static Tensor Static(Tensor x) => x.mul(Two);
}
