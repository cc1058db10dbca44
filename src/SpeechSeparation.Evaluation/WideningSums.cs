using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SpeechSeparation.Evaluation;

/// <summary>Vectorised float32-input sums accumulated in float64 (the SI-SNR passes).</summary>
internal static class WideningSums
{
    /// <summary>The raw moments (Σx, Σy, Σx², Σy², Σxy) in one pass.</summary>
    public static (double X, double Y, double Xx, double Yy, double Xy) Moments(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0, n = x.Length;
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        if (Avx512F.IsSupported && n >= 16)
        {
            Vector512<double> ax = default, ay = default, axx = default, ayy = default, axy = default;
            Vector512<double> bx = default, by = default, bxx = default, byy = default, bxy = default;
            for (; i + 16 <= n; i += 16)
            {
                var xl = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref x0, (nuint)i));
                var xu = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref x0, (nuint)i + 8));
                var yl = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref y0, (nuint)i));
                var yu = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref y0, (nuint)i + 8));
                ax += xl; bx += xu; ay += yl; by += yu;
                axx = Vector512.FusedMultiplyAdd(xl, xl, axx); bxx = Vector512.FusedMultiplyAdd(xu, xu, bxx);
                ayy = Vector512.FusedMultiplyAdd(yl, yl, ayy); byy = Vector512.FusedMultiplyAdd(yu, yu, byy);
                axy = Vector512.FusedMultiplyAdd(xl, yl, axy); bxy = Vector512.FusedMultiplyAdd(xu, yu, bxy);
            }
            sx = Vector512.Sum(ax + bx); sy = Vector512.Sum(ay + by);
            sxx = Vector512.Sum(axx + bxx); syy = Vector512.Sum(ayy + byy); sxy = Vector512.Sum(axy + bxy);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<double> ax = default, ay = default, axx = default, ayy = default, axy = default;
            Vector256<double> bx = default, by = default, bxx = default, byy = default, bxy = default;
            for (; i + 8 <= n; i += 8)
            {
                var (xl, xu) = Vector256.Widen(Vector256.LoadUnsafe(ref x0, (nuint)i));
                var (yl, yu) = Vector256.Widen(Vector256.LoadUnsafe(ref y0, (nuint)i));
                ax += xl; bx += xu; ay += yl; by += yu;
                axx = Vector256.FusedMultiplyAdd(xl, xl, axx); bxx = Vector256.FusedMultiplyAdd(xu, xu, bxx);
                ayy = Vector256.FusedMultiplyAdd(yl, yl, ayy); byy = Vector256.FusedMultiplyAdd(yu, yu, byy);
                axy = Vector256.FusedMultiplyAdd(xl, yl, axy); bxy = Vector256.FusedMultiplyAdd(xu, yu, bxy);
            }
            sx = Vector256.Sum(ax + bx); sy = Vector256.Sum(ay + by);
            sxx = Vector256.Sum(axx + bxx); syy = Vector256.Sum(ayy + byy); sxy = Vector256.Sum(axy + bxy);
        }
        for (; i < n; i++)
        {
            double a = x[i], b = y[i];
            sx += a; sy += b; sxx += a * a; syy += b * b; sxy += a * b;
        }
        return (sx, sy, sxx, syy, sxy);
    }

    /// <summary>(Σx, Σy).</summary>
    public static (double X, double Y) Sums(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0;
        var ax = Vector256<double>.Zero; var ay = Vector256<double>.Zero;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= x.Length; i += 8)
            {
                var (xl, xu) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
                var (yl, yu) = Vector256.Widen(Vector256.Create(y.Slice(i, 8)));
                ax += xl + xu; ay += yl + yu;
            }
        double sx = Vector256.Sum(ax), sy = Vector256.Sum(ay);
        for (; i < x.Length; i++) { sx += x[i]; sy += y[i]; }
        return (sx, sy);
    }

    /// <summary>(Σ(y−my)(x−mx), Σ(x−mx)²).</summary>
    public static (double Dot, double Xx) CenteredDot(ReadOnlySpan<float> x, ReadOnlySpan<float> y, double mx, double my)
    {
        int i = 0;
        var ad = Vector256<double>.Zero; var ar = Vector256<double>.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            var vmx = Vector256.Create(mx); var vmy = Vector256.Create(my);
            for (; i + 8 <= x.Length; i += 8)
            {
                var (xl, xu) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
                var (yl, yu) = Vector256.Widen(Vector256.Create(y.Slice(i, 8)));
                xl -= vmx; xu -= vmx; yl -= vmy; yu -= vmy;
                ad += yl * xl + yu * xu;
                ar += xl * xl + xu * xu;
            }
        }
        double dot = Vector256.Sum(ad), rr = Vector256.Sum(ar);
        for (; i < x.Length; i++)
        {
            double r = x[i] - mx, e = y[i] - my;
            dot += e * r; rr += r * r;
        }
        return (dot, rr);
    }

    /// <summary>(Σ(α(x−mx))², Σ(y−my−α(x−mx))²).</summary>
    public static (double Target, double Noise) ProjectionEnergies(ReadOnlySpan<float> x, ReadOnlySpan<float> y, double mx, double my, double alpha)
    {
        int i = 0;
        var at = Vector256<double>.Zero; var ae = Vector256<double>.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            var vmx = Vector256.Create(mx); var vmy = Vector256.Create(my); var va = Vector256.Create(alpha);
            for (; i + 8 <= x.Length; i += 8)
            {
                var (xl, xu) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
                var (yl, yu) = Vector256.Widen(Vector256.Create(y.Slice(i, 8)));
                var tl = va * (xl - vmx); var tu = va * (xu - vmx);
                var el = yl - vmy - tl; var eu = yu - vmy - tu;
                at += tl * tl + tu * tu;
                ae += el * el + eu * eu;
            }
        }
        double tt = Vector256.Sum(at), ee = Vector256.Sum(ae);
        for (; i < x.Length; i++)
        {
            double t = alpha * (x[i] - mx), e = y[i] - my - t;
            tt += t * t; ee += e * e;
        }
        return (tt, ee);
    }
}
