using System.Numerics;

namespace SpeechSeparation.Signal.Tests;

public class FftTests
{
    public static TheoryData<int> Lengths() =>
    [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 25, 27, 30, 31, 32, 37, 49, 60, 64, 97, 100, 121, 127, 128,
        240, 255, 256, 320, 400, 441, 509, 512, 961, 1000, 1021, 1024, 1536, 2048, 2310, 4096, 4099, 6561, 8192, 65536,
    ];

    private static Complex[] Dft(Complex[] x, int sign)
    {
        int n = x.Length;
        var r = new Complex[n];
        for (int k = 0; k < n; k++)
        {
            Complex s = 0;
            for (int j = 0; j < n; j++)
            {
                double a = sign * 2 * Math.PI * ((long)k * j % n) / n;
                s += x[j] * new Complex(Math.Cos(a), Math.Sin(a));
            }
            r[k] = s;
        }
        return r;
    }

    private static double RelL2(ReadOnlySpan<Complex> got, ReadOnlySpan<Complex> exp)
    {
        double num = 0, den = 0;
        for (int i = 0; i < got.Length; i++) { num += (got[i] - exp[i]).Magnitude * (got[i] - exp[i]).Magnitude; den += exp[i].Magnitude * exp[i].Magnitude; }
        return Math.Sqrt(num / Math.Max(den, 1e-300));
    }

    private static Complex[] RandomComplex(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new Complex[n];
        for (int i = 0; i < n; i++) x[i] = new Complex(rng.NextDouble() * 2 - 1, rng.NextDouble() * 2 - 1);
        return x;
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(4096)]    // all radix-4: every stage but the last vectorised
    [InlineData(8640)]    // 4·4·4·3·3·3·5: the first two radix-4 stages vectorised
    [InlineData(3072)]
    [InlineData(81000)]
    public void VectorStagesReproduceTheScalarStagesExactly(int n)
    {
        var x = RandomComplex(n, n + 1);
        var plan = FftPlan<double>.Get(n);
        var vf = new Complex[n]; var vi = new Complex[n]; var sf = new Complex[n]; var si = new Complex[n];
        plan.Forward(x, vf); plan.Inverse(x, vi);
        try
        {
            FftPlan<double>.VectorKernels = false;
            plan.Forward(x, sf); plan.Inverse(x, si);
        }
        finally { FftPlan<double>.VectorKernels = true; }
        Assert.Equal(sf, vf);
        Assert.Equal(si, vi);
        Assert.True(RelL2(vf, n <= 4096 ? Dft(x, -1) : sf) < 1e-12);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ComplexMatchesDftInBothPrecisions(int n)
    {
        var x = RandomComplex(n, n);
        // float inputs, compared in double against a float64 DFT of the same (rounded) values
        var xf = new float[2 * n];
        for (int i = 0; i < n; i++) { xf[2 * i] = (float)x[i].Real; xf[2 * i + 1] = (float)x[i].Imaginary; x[i] = new Complex(xf[2 * i], xf[2 * i + 1]); }
        Complex[] expected = n <= 4099 ? Dft(x, -1) : Fft.Forward(x); // big sizes: checked against the double plan (itself checked by the round trip)
        var got = Fft.Forward(x);
        Assert.True(RelL2(got, expected) < 1e-12, $"double n={n}: {RelL2(got, expected)}");
        var yf = new float[2 * n];
        FftPlan<float>.Get(n).Forward(xf, yf);
        var gotf = new Complex[n];
        for (int i = 0; i < n; i++) gotf[i] = new Complex(yf[2 * i], yf[2 * i + 1]);
        Assert.True(RelL2(gotf, expected) < 1e-6, $"float n={n}: {RelL2(gotf, expected)}");
        // inverse round trip
        var back = Fft.Inverse(got);
        Assert.True(RelL2(back, x) < 1e-13, $"roundtrip n={n}");
        FftPlan<float>.Get(n).Inverse(yf, yf); // in place
        for (int i = 0; i < n; i++) gotf[i] = new Complex(yf[2 * i], yf[2 * i + 1]);
        Assert.True(RelL2(gotf, x) < 2e-6, $"float roundtrip n={n}");
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void RealMatchesComplexAndRoundTrips(int n)
    {
        var rng = new Random(100 + n);
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = rng.NextDouble() * 2 - 1;
        var cx = x.Select(v => new Complex(v, 0)).ToArray();
        var full = n <= 4099 ? Dft(cx, -1) : Fft.Forward(cx);
        var half = Fft.RealForward(x);
        Assert.Equal(n / 2 + 1, half.Length);
        Assert.True(RelL2(half, full.AsSpan(0, half.Length)) < 1e-12, $"rfft n={n}");
        var back = Fft.RealInverse(half, n);
        for (int i = 0; i < n; i++) Assert.Equal(x[i], back[i], 1e-12);

        var xf = x.Select(v => (float)v).ToArray();
        var expf = Fft.RealForward(xf.Select(v => (double)v).ToArray());
        var specf = new float[2 * (n / 2 + 1)];
        RealFftPlan<float>.Get(n).Forward(xf, specf);
        var gotf = new Complex[n / 2 + 1];
        for (int i = 0; i < gotf.Length; i++) gotf[i] = new Complex(specf[2 * i], specf[2 * i + 1]);
        Assert.True(RelL2(gotf, expf) < 1e-6, $"float rfft n={n}: {RelL2(gotf, expf)}");
        var backf = new float[n];
        RealFftPlan<float>.Get(n).Inverse(specf, backf);
        for (int i = 0; i < n; i++) Assert.Equal(xf[i], backf[i], 2e-6);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(63)]
    [InlineData(1000)]
    [InlineData(1021)]
    public void ParsevalAndLinearity(int n)
    {
        var a = RandomComplex(n, 1);
        var b = RandomComplex(n, 2);
        var fa = Fft.Forward(a);
        var fb = Fft.Forward(b);
        double ea = a.Sum(v => v.Magnitude * v.Magnitude), efa = fa.Sum(v => v.Magnitude * v.Magnitude) / n;
        Assert.Equal(1.0, efa / ea, 12);
        Complex alpha = new(0.3, -1.7);
        var comb = a.Zip(b, (u, v) => alpha * u + v).ToArray();
        var fc = Fft.Forward(comb);
        var exp = fa.Zip(fb, (u, v) => alpha * u + v).ToArray();
        Assert.True(RelL2(fc, exp) < 1e-13);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(9)]
    public void InverseRealIgnoresImaginaryDcAndNyquist(int n)
    {
        var rng = new Random(3);
        var spec = new Complex[n / 2 + 1];
        for (int i = 0; i < spec.Length; i++) spec[i] = new Complex(rng.NextDouble(), rng.NextDouble());
        var clean = (Complex[])spec.Clone();
        clean[0] = new Complex(clean[0].Real, 0);
        if (n % 2 == 0) clean[^1] = new Complex(clean[^1].Real, 0);
        // reference: full Hermitian spectrum through the complex inverse
        var full = new Complex[n];
        for (int k = 0; k < clean.Length; k++) { full[k] = clean[k]; if (k > 0) full[(n - k) % n] = Complex.Conjugate(clean[k]); }
        if (n % 2 == 0) full[n / 2] = clean[n / 2];
        var exp = Fft.Inverse(full);
        var got = Fft.RealInverse(spec, n);
        for (int i = 0; i < n; i++) Assert.Equal(exp[i].Real, got[i], 1e-14);
    }

    [Fact]
    public void PlansAreSharedAndThreadSafe()
    {
        Assert.Same(FftPlan<double>.Get(480), FftPlan<double>.Get(480));
        Assert.True(FftPlan<double>.Get(2 * 37).UsesBluestein);
        var x = RandomComplex(1000, 7);
        var exp = Fft.Forward(x);
        Parallel.For(0, 64, _ =>
        {
            var y = new Complex[1000];
            FftPlan<double>.Get(1000).Forward(x, y);
            Assert.Equal(exp, y);
        });
    }

    [Fact]
    public void ShortSpansAreRejected()
    {
        Assert.Throws<ArgumentException>(() => FftPlan<float>.Get(16).Forward(new float[31], new float[32]));
        Assert.Throws<ArgumentException>(() => RealFftPlan<float>.Get(16).Forward(new float[16], new float[17]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FftPlan<float>.Get(0));
    }
}
