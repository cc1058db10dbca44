using SpeechSeparation.Tensors.Native;
using static SpeechSeparation.Tensors.Native.NativeMethods;

namespace SpeechSeparation.Tensors;

public partial class Tensor
{
    // ---- operators (broadcasting) ----

    /// <summary>Element-wise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Wrap(sst_add(a.Handle, b.Handle, 1.0));
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double s) => Wrap(sst_add_scalar(a.Handle, s));
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double s, Tensor a) => Wrap(sst_add_scalar(a.Handle, s));
    /// <summary>Element-wise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Wrap(sst_sub(a.Handle, b.Handle, 1.0));
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double s) => Wrap(sst_sub_scalar(a.Handle, s));
    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(double s, Tensor a) => Wrap(sst_rsub_scalar(a.Handle, s));
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => Wrap(sst_neg(a.Handle));
    /// <summary>Element-wise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Wrap(sst_mul(a.Handle, b.Handle));
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double s) => Wrap(sst_mul_scalar(a.Handle, s));
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double s, Tensor a) => Wrap(sst_mul_scalar(a.Handle, s));
    /// <summary>Element-wise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Wrap(sst_div(a.Handle, b.Handle));
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double s) => Wrap(sst_div_scalar(a.Handle, s));
    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(double s, Tensor a)
    {
        var r = Wrap(sst_reciprocal(a.Handle));
        Check.Status(sst_mul_scalar_(r.Handle, s));
        return r;
    }

    /// <summary>a + alpha * b.</summary>
    public Tensor add(Tensor other, double alpha = 1.0) => Wrap(sst_add(Handle, other.Handle, alpha));
    /// <summary>a - alpha * b.</summary>
    public Tensor sub(Tensor other, double alpha = 1.0) => Wrap(sst_sub(Handle, other.Handle, alpha));
    /// <summary>Element-wise product.</summary>
    public Tensor mul(Tensor other) => this * other;
    /// <summary>Element-wise quotient.</summary>
    public Tensor div(Tensor other) => this / other;

    // ---- element-wise functions ----

    /// <summary>Raises to a scalar power.</summary>
    public Tensor pow(double exponent) => Wrap(sst_pow_scalar(Handle, exponent));
    /// <summary>Raises to element-wise powers.</summary>
    public Tensor pow(Tensor exponent) => Wrap(sst_pow(Handle, exponent.Handle));
    /// <summary>Square root.</summary>
    public Tensor sqrt() => Wrap(sst_sqrt(Handle));
    /// <summary>Reciprocal square root.</summary>
    public Tensor rsqrt() => Wrap(sst_rsqrt(Handle));
    /// <summary>Exponential.</summary>
    public Tensor exp() => Wrap(sst_exp(Handle));
    /// <summary>Natural logarithm.</summary>
    public Tensor log() => Wrap(sst_log(Handle));
    /// <summary>Base-10 logarithm.</summary>
    public Tensor log10() => Wrap(sst_log10(Handle));
    /// <summary>log(1 + x).</summary>
    public Tensor log1p() => Wrap(sst_log1p(Handle));
    /// <summary>Absolute value (magnitude for complex tensors).</summary>
    public Tensor abs() => Wrap(sst_abs(Handle));
    /// <summary>Sine.</summary>
    public Tensor sin() => Wrap(sst_sin(Handle));
    /// <summary>Cosine.</summary>
    public Tensor cos() => Wrap(sst_cos(Handle));
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor tanh() => Wrap(sst_tanh(Handle));
    /// <summary>Logistic sigmoid.</summary>
    public Tensor sigmoid() => Wrap(sst_sigmoid(Handle));
    /// <summary>max(x, 0).</summary>
    public Tensor relu() => Wrap(sst_relu(Handle));
    /// <summary>Square.</summary>
    public Tensor square() => Wrap(sst_square(Handle));
    /// <summary>1 / x.</summary>
    public Tensor reciprocal() => Wrap(sst_reciprocal(Handle));
    /// <summary>Sign (-1, 0, 1).</summary>
    public Tensor sign() => Wrap(sst_sign(Handle));
    /// <summary>Floor.</summary>
    public Tensor floor() => Wrap(sst_floor(Handle));
    /// <summary>Ceiling.</summary>
    public Tensor ceil() => Wrap(sst_ceil(Handle));
    /// <summary>Round half to even.</summary>
    public Tensor round() => Wrap(sst_round(Handle));
    /// <summary>Error function.</summary>
    public Tensor erf() => Wrap(sst_erf(Handle));
    /// <summary>Complex conjugate (materialised).</summary>
    public Tensor conj() => Wrap(sst_conj(Handle));
    /// <summary>Clamps to [min, max] (either bound may be null).</summary>
    public Tensor clamp(double? min = null, double? max = null) =>
        Wrap(sst_clamp(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0));
    /// <summary>Clamps from below.</summary>
    public Tensor clamp_min(double min) => clamp(min, null);
    /// <summary>Clamps from above.</summary>
    public Tensor clamp_max(double max) => clamp(null, max);
    /// <summary>Element-wise maximum.</summary>
    public Tensor maximum(Tensor other) => Wrap(sst_maximum(Handle, other.Handle));
    /// <summary>Element-wise minimum.</summary>
    public Tensor minimum(Tensor other) => Wrap(sst_minimum(Handle, other.Handle));
    /// <summary>Element-wise remainder (sign of the divisor).</summary>
    public Tensor remainder(Tensor other) => Wrap(sst_remainder(Handle, other.Handle));
    /// <summary>Logical not.</summary>
    public Tensor logical_not() => Wrap(sst_logical_not(Handle));
    /// <summary>Logical and.</summary>
    public Tensor logical_and(Tensor other) => Wrap(sst_logical_and(Handle, other.Handle));
    /// <summary>Logical or.</summary>
    public Tensor logical_or(Tensor other) => Wrap(sst_logical_or(Handle, other.Handle));
    /// <summary>True where NaN.</summary>
    public Tensor isnan() => Wrap(sst_isnan(Handle));
    /// <summary>True where finite.</summary>
    public Tensor isfinite() => Wrap(sst_isfinite(Handle));

    // ---- comparisons ----

    /// <summary>Element-wise ==.</summary>
    public Tensor eq(Tensor other) => Wrap(sst_compare(Handle, other.Handle, 0));
    /// <summary>Element-wise !=.</summary>
    public Tensor ne(Tensor other) => Wrap(sst_compare(Handle, other.Handle, 1));
    /// <summary>Element-wise &lt;.</summary>
    public Tensor lt(Tensor other) => Wrap(sst_compare(Handle, other.Handle, 2));
    /// <summary>Element-wise &lt;=.</summary>
    public Tensor le(Tensor other) => Wrap(sst_compare(Handle, other.Handle, 3));
    /// <summary>Element-wise &gt;.</summary>
    public Tensor gt(Tensor other) => Wrap(sst_compare(Handle, other.Handle, 4));
    /// <summary>Element-wise &gt;=.</summary>
    public Tensor ge(Tensor other) => Wrap(sst_compare(Handle, other.Handle, 5));
    /// <summary>Element-wise == scalar.</summary>
    public Tensor eq(double s) => Wrap(sst_compare_scalar(Handle, s, 0));
    /// <summary>Element-wise != scalar.</summary>
    public Tensor ne(double s) => Wrap(sst_compare_scalar(Handle, s, 1));
    /// <summary>Element-wise &lt; scalar.</summary>
    public Tensor lt(double s) => Wrap(sst_compare_scalar(Handle, s, 2));
    /// <summary>Element-wise &lt;= scalar.</summary>
    public Tensor le(double s) => Wrap(sst_compare_scalar(Handle, s, 3));
    /// <summary>Element-wise &gt; scalar.</summary>
    public Tensor gt(double s) => Wrap(sst_compare_scalar(Handle, s, 4));
    /// <summary>Element-wise &gt;= scalar.</summary>
    public Tensor ge(double s) => Wrap(sst_compare_scalar(Handle, s, 5));
    /// <summary>Whether all elements are close (|a-b| ≤ atol + rtol·|b|).</summary>
    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8) => Check.Status(sst_allclose(Handle, other.Handle, rtol, atol)) == 1;

    // ---- reductions ----

    /// <summary>Sum of all elements.</summary>
    public unsafe Tensor sum() => Wrap(sst_sum(Handle, null, 0, 0));
    /// <summary>Sum over dimensions.</summary>
    public unsafe Tensor sum(long[] dims, bool keepdim = false) { fixed (long* p = dims) return Wrap(sst_sum(Handle, p, dims.Length, keepdim ? 1 : 0)); }
    /// <summary>Sum over one dimension.</summary>
    public Tensor sum(long dim, bool keepdim = false) => sum([dim], keepdim);
    /// <summary>Mean of all elements.</summary>
    public unsafe Tensor mean() => Wrap(sst_mean(Handle, null, 0, 0));
    /// <summary>Mean over dimensions.</summary>
    public unsafe Tensor mean(long[] dims, bool keepdim = false) { fixed (long* p = dims) return Wrap(sst_mean(Handle, p, dims.Length, keepdim ? 1 : 0)); }
    /// <summary>Mean over one dimension.</summary>
    public Tensor mean(long dim, bool keepdim = false) => mean([dim], keepdim);
    /// <summary>Variance of all elements.</summary>
    public unsafe Tensor var(bool unbiased = true) => Wrap(sst_var(Handle, null, 0, unbiased ? 1 : 0, 0));
    /// <summary>Variance over dimensions.</summary>
    public unsafe Tensor var(long[] dims, bool unbiased = true, bool keepdim = false) { fixed (long* p = dims) return Wrap(sst_var(Handle, p, dims.Length, unbiased ? 1 : 0, keepdim ? 1 : 0)); }
    /// <summary>Variance over one dimension.</summary>
    public Tensor var(long dim, bool unbiased = true, bool keepdim = false) => var([dim], unbiased, keepdim);
    /// <summary>Standard deviation over dimensions.</summary>
    public unsafe Tensor std(long[] dims, bool unbiased = true, bool keepdim = false) { fixed (long* p = dims) return Wrap(sst_std(Handle, p, dims.Length, unbiased ? 1 : 0, keepdim ? 1 : 0)); }
    /// <summary>Standard deviation of all elements.</summary>
    public unsafe Tensor std(bool unbiased = true) => Wrap(sst_std(Handle, null, 0, unbiased ? 1 : 0, 0));
    /// <summary>Vector p-norm of all elements.</summary>
    public unsafe Tensor norm(double p = 2) => Wrap(sst_norm(Handle, p, null, 0, 0));
    /// <summary>Vector p-norm over dimensions.</summary>
    public unsafe Tensor norm(double p, long[] dims, bool keepdim = false) { fixed (long* d = dims) return Wrap(sst_norm(Handle, p, d, dims.Length, keepdim ? 1 : 0)); }
    /// <summary>Product of all elements.</summary>
    public Tensor prod() => Wrap(sst_prod(Handle));
    /// <summary>Maximum of all elements.</summary>
    public Tensor max() => Wrap(sst_max_all(Handle));
    /// <summary>Minimum of all elements.</summary>
    public Tensor min() => Wrap(sst_min_all(Handle));
    /// <summary>Maximum over a dimension with its indices.</summary>
    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false)
    {
        Check.Status(sst_max_dim(Handle, dim, keepdim ? 1 : 0, out var v, out var i));
        return (Wrap(v), Wrap(i));
    }
    /// <summary>Minimum over a dimension with its indices.</summary>
    public (Tensor values, Tensor indices) min(long dim, bool keepdim = false)
    {
        Check.Status(sst_min_dim(Handle, dim, keepdim ? 1 : 0, out var v, out var i));
        return (Wrap(v), Wrap(i));
    }
    /// <summary>Index of the maximum over all elements (flattened).</summary>
    public Tensor argmax() => Wrap(sst_argmax(Handle, 0, 0, 0));
    /// <summary>Indices of the maximum over a dimension.</summary>
    public Tensor argmax(long dim, bool keepdim = false) => Wrap(sst_argmax(Handle, dim, 1, keepdim ? 1 : 0));
    /// <summary>Indices of the minimum over a dimension.</summary>
    public Tensor argmin(long dim, bool keepdim = false) => Wrap(sst_argmin(Handle, dim, 1, keepdim ? 1 : 0));
    /// <summary>Cumulative sum along a dimension.</summary>
    public Tensor cumsum(long dim) => Wrap(sst_cumsum(Handle, dim));
    /// <summary>True if any element is non-zero.</summary>
    public Tensor any() => Wrap(sst_any(Handle));
    /// <summary>True if every element is non-zero.</summary>
    public Tensor all() => Wrap(sst_all(Handle));
    /// <summary>Sorts along a dimension.</summary>
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false)
    {
        Check.Status(sst_sort(Handle, dim, descending ? 1 : 0, out var v, out var i));
        return (Wrap(v), Wrap(i));
    }

    // ---- linear algebra ----

    /// <summary>Matrix product with broadcasting (torch.matmul).</summary>
    public Tensor matmul(Tensor other) => Wrap(sst_matmul(Handle, other.Handle));
    /// <summary>2-D matrix product.</summary>
    public Tensor mm(Tensor other) => Wrap(sst_mm(Handle, other.Handle));
    /// <summary>Batched 3-D matrix product.</summary>
    public Tensor bmm(Tensor other) => Wrap(sst_bmm(Handle, other.Handle));
    /// <summary>In place: <c>this = beta·this + alpha·(batch1 @ batch2)</c> for <c>[B, n, m]</c> × <c>[B, m, p]</c> into
    /// <c>[B, n, p]</c>; the sum happens in the matrix kernel's accumulate, with no separate pass over the result.</summary>
    public Tensor baddbmm_(Tensor batch1, Tensor batch2, double beta = 1.0, double alpha = 1.0)
    {
        Check.Status(sst_baddbmm_(Handle, batch1.Handle, batch2.Handle, beta, alpha));
        return this;
    }

    // ---- in-place updates (optimisers, initialisation) ----

    /// <summary>this += alpha * other.</summary>
    public Tensor add_(Tensor other, double alpha = 1.0) { Check.Status(sst_add_(Handle, other.Handle, alpha)); return this; }
    /// <summary>this += s.</summary>
    public Tensor add_(double s) { Check.Status(sst_add_scalar_(Handle, s)); return this; }
    /// <summary>this *= other.</summary>
    public Tensor mul_(Tensor other) { Check.Status(sst_mul_(Handle, other.Handle)); return this; }
    /// <summary>this *= s.</summary>
    public Tensor mul_(double s) { Check.Status(sst_mul_scalar_(Handle, s)); return this; }
    /// <summary>this /= other.</summary>
    public Tensor div_(Tensor other) { Check.Status(sst_div_(Handle, other.Handle)); return this; }
    /// <summary>this /= s.</summary>
    public Tensor div_(double s) { Check.Status(sst_div_scalar_(Handle, s)); return this; }
    /// <summary>this += value * t1 * t2.</summary>
    public Tensor addcmul_(Tensor t1, Tensor t2, double value = 1.0) { Check.Status(sst_addcmul_(Handle, t1.Handle, t2.Handle, value)); return this; }
    /// <summary>this += value * t1 / t2.</summary>
    public Tensor addcdiv_(Tensor t1, Tensor t2, double value = 1.0) { Check.Status(sst_addcdiv_(Handle, t1.Handle, t2.Handle, value)); return this; }
    /// <summary>this += weight * (end - this).</summary>
    public Tensor lerp_(Tensor end, double weight) { Check.Status(sst_lerp_(Handle, end.Handle, weight)); return this; }
    /// <summary>In-place square root.</summary>
    public Tensor sqrt_() { Check.Status(sst_sqrt_(Handle)); return this; }
    /// <summary>In-place clamp.</summary>
    public Tensor clamp_(double? min = null, double? max = null) { Check.Status(sst_clamp_(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0)); return this; }
    /// <summary>In-place element-wise maximum.</summary>
    public Tensor maximum_(Tensor other) { Check.Status(sst_maximum_(Handle, other.Handle)); return this; }
    /// <summary>Sets every element to zero.</summary>
    public Tensor zero_() { Check.Status(sst_zero_(Handle)); return this; }
    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor fill_(double value) { Check.Status(sst_fill_(Handle, value)); return this; }
    /// <summary>Fills with U(from, to) samples.</summary>
    public Tensor uniform_(double from = 0, double to = 1, Generator? generator = null) { Check.Status(sst_uniform_(Handle, from, to, generator?.Handle ?? IntPtr.Zero)); return this; }
    /// <summary>Fills with N(mean, std²) samples.</summary>
    public Tensor normal_(double mean = 0, double std = 1, Generator? generator = null) { Check.Status(sst_normal_(Handle, mean, std, generator?.Handle ?? IntPtr.Zero)); return this; }

    // ---- complex ----

    /// <summary>A real view [..., 2] of a complex tensor.</summary>
    public Tensor view_as_real() => Wrap(sst_view_as_real(Handle));
    /// <summary>A complex view of a real tensor whose last dimension is 2.</summary>
    public Tensor view_as_complex() => Wrap(sst_view_as_complex(Handle));
    /// <summary>Real part.</summary>
    public Tensor real() => Wrap(sst_real(Handle));
    /// <summary>Imaginary part.</summary>
    public Tensor imag() => Wrap(sst_imag(Handle));
    /// <summary>Phase angle.</summary>
    public Tensor angle() => Wrap(sst_angle(Handle));
}
