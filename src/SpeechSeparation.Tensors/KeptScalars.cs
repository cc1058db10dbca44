using TorchSharp;
using static TorchSharp.torch;

namespace SpeechSeparation.Tensors;

/// <summary>
/// Tensor–scalar operations whose native <see cref="Scalar"/> stays alive for the whole native call.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns every number in a tensor operation into a temporary <see cref="Scalar"/>, a managed object
/// with a finalizer that frees the native <c>at::Scalar</c>: <c>x * 0.5</c>, <c>x.clamp_min(0)</c>, <c>p.mul_(β)</c>,
/// and even <c>a + b</c> (which TorchSharp runs as <c>add(b, alpha: 1)</c>). The temporary is unreachable once its
/// handle has been read, so a garbage collection started by another thread while libtorch runs can finalize it, and
/// libtorch then reads freed memory ("Unknown scalar type", "INTERNAL ASSERT FAILED at Scalar.h"). The same holds for a
/// temporary tensor operand outside any dispose scope. TorchSharp's fix (dotnet/TorchSharp#1434) is not released.
/// <para>
/// The library therefore never lets TorchSharp create a scalar it does not keep: constants are static
/// <see cref="Scalar"/> fields, other numbers go through the methods below (the scalar is disposed after the call,
/// which keeps it reachable until then), and <c>ScalarLifetimeTests</c> scans every assembly's IL for a call that would
/// create one.
/// </para>
/// </remarks>
public static class KeptScalars
{
    /// <summary>The scalar 1 (TorchSharp's default <c>alpha</c> of <c>add</c>), alive for the whole process.</summary>
    public static readonly Scalar One = 1L.ToScalar();

    /// <summary>The scalar 0, alive for the whole process.</summary>
    public static readonly Scalar Zero = 0L.ToScalar();

    /// <summary><c>a + b</c>.</summary>
    public static Tensor Add(this Tensor a, Tensor b) => Keep(a.add(b, One), a, b);

    /// <summary><c>a + alpha·b</c>.</summary>
    public static Tensor Add(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return Keep(a.add(b, s), a, b);
    }

    /// <summary><c>a + c</c>.</summary>
    public static Tensor Add(this Tensor a, double c)
    {
        using var s = c.ToScalar();
        return Keep(a.add(s, One), a);
    }

    /// <summary><c>a · c</c>.</summary>
    public static Tensor Mul(this Tensor a, double c)
    {
        using var s = c.ToScalar();
        return Keep(a.mul(s), a);
    }

    /// <summary><c>a / c</c>.</summary>
    public static Tensor Div(this Tensor a, double c)
    {
        using var s = c.ToScalar();
        return Keep(a.div(s), a);
    }

    /// <summary><c>c / a</c>, computed as PyTorch computes <c>number / tensor</c>: <c>a.reciprocal() · c</c>.</summary>
    public static Tensor DivideInto(this Tensor a, double c)
    {
        using var s = c.ToScalar();
        return Keep(a.reciprocal().mul_(s), a);
    }

    /// <summary>In place <c>a ← a + alpha·b</c>; returns <paramref name="a"/>.</summary>
    public static Tensor AddInPlace(this Tensor a, Tensor b, double alpha = 1)
    {
        if (alpha == 1) return Keep(a.add_(b, One), a, b);
        using var s = alpha.ToScalar();
        return Keep(a.add_(b, s), a, b);
    }

    /// <summary>In place <c>a ← a + c</c>; returns <paramref name="a"/>.</summary>
    public static Tensor AddInPlace(this Tensor a, double c)
    {
        using var s = c.ToScalar();
        return Keep(a.add_(s, One), a);
    }

    /// <summary>In place <c>a ← a · c</c>; returns <paramref name="a"/>.</summary>
    public static Tensor MulInPlace(this Tensor a, double c)
    {
        using var s = c.ToScalar();
        return Keep(a.mul_(s), a);
    }

    /// <summary>In place <c>a ← a / c</c>; returns <paramref name="a"/>.</summary>
    public static Tensor DivInPlace(this Tensor a, double c)
    {
        using var s = c.ToScalar();
        return Keep(a.div_(s), a);
    }

    /// <summary>In place <c>a ← a + value·t1·t2</c>; returns <paramref name="a"/>.</summary>
    public static Tensor AddcmulInPlace(this Tensor a, Tensor t1, Tensor t2, double value)
    {
        using var s = value.ToScalar();
        return Keep(a.addcmul_(t1, t2, s), a, t1, t2);
    }

    /// <summary>In place <c>a ← a + value·t1/t2</c>; returns <paramref name="a"/>.</summary>
    public static Tensor AddcdivInPlace(this Tensor a, Tensor t1, Tensor t2, double value)
    {
        using var s = value.ToScalar();
        return Keep(a.addcdiv_(t1, t2, s), a, t1, t2);
    }

    /// <summary><c>max(a, min)</c>.</summary>
    public static Tensor ClampMin(this Tensor a, double min)
    {
        using var s = min.ToScalar();
        return Keep(a.clamp_min(s), a);
    }

    /// <summary><c>min(a, max)</c>.</summary>
    public static Tensor ClampMax(this Tensor a, double max)
    {
        using var s = max.ToScalar();
        return Keep(a.clamp_max(s), a);
    }

    /// <summary>In place <c>a ← min(max(a, min), max)</c>; returns <paramref name="a"/>.</summary>
    public static Tensor ClampInPlace(this Tensor a, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return Keep(a.clamp_(lo, hi), a);
    }

    /// <summary>In place: every element of <paramref name="a"/> becomes <paramref name="value"/>; returns it.</summary>
    public static Tensor FillInPlace(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return Keep(a.fill_(s), a);
    }

    /// <summary><paramref name="a"/> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor MaskedFill(this Tensor a, Tensor mask, double value)
    {
        using var s = value.ToScalar();
        return Keep(a.masked_fill(mask, s), a, mask);
    }

    /// <summary><c>a</c> where positive, <c>slope·a</c> elsewhere (<c>F.leaky_relu</c>).</summary>
    public static Tensor LeakyRelu(this Tensor a, double slope)
    {
        using var s = slope.ToScalar();
        return Keep(a.leaky_relu(s), a);
    }

    /// <summary>In place: <paramref name="a"/> where positive, <c>slope·a</c> elsewhere (<c>F.leaky_relu_</c>); returns it.</summary>
    public static Tensor LeakyReluInPlace(this Tensor a, double slope)
    {
        using var s = slope.ToScalar();
        return Keep(a.leaky_relu_(s), a);
    }

    /// <summary><c>[0, 1, …, n−1]</c> of type <paramref name="dtype"/> (<c>torch.arange(n)</c>).</summary>
    public static Tensor Arange(long n, ScalarType dtype, Device? device = null)
    {
        using var stop = n.ToScalar();
        return torch.arange(Zero, stop, One, dtype, device);
    }

    private static Tensor Keep(Tensor result, Tensor a)
    {
        GC.KeepAlive(a);
        return result;
    }

    private static Tensor Keep(Tensor result, Tensor a, Tensor b)
    {
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return result;
    }

    private static Tensor Keep(Tensor result, Tensor a, Tensor b, Tensor c)
    {
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        GC.KeepAlive(c);
        return result;
    }
}
