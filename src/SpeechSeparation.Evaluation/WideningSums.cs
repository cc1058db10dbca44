using System.Runtime.Intrinsics;

namespace SpeechSeparation.Evaluation;

/// <summary>Vectorised float32-input sums accumulated in float64 (the SI-SNR passes).</summary>
internal static class WideningSums
{
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
