namespace SpeechSeparation.Tensors.NN;

/// <summary>Parameter initialisations used by PyTorch's layer constructors (<c>torch.nn.init</c>).</summary>
public static class Init
{
    /// <summary>U(-1/√fan_in, 1/√fan_in): PyTorch's default for Linear/Conv weights (kaiming_uniform with a=√5) and biases.</summary>
    public static void DefaultUniform(Tensor t, long fanIn)
    {
        double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0;
        using (torch.no_grad()) t.uniform_(-bound, bound);
    }

    /// <summary>U(-bound, bound).</summary>
    public static void Uniform(Tensor t, double bound)
    {
        using (torch.no_grad()) t.uniform_(-bound, bound);
    }

    /// <summary>Xavier/Glorot uniform.</summary>
    public static void XavierUniform(Tensor t, long fanIn, long fanOut, double gain = 1.0)
    {
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        using (torch.no_grad()) t.uniform_(-bound, bound);
    }

    /// <summary>N(mean, std²).</summary>
    public static void Normal(Tensor t, double mean = 0, double std = 1)
    {
        using (torch.no_grad()) t.normal_(mean, std);
    }

    internal static Parameter NewParameter(long[] shape, double fill)
    {
        using var t = torch.full(shape, fill).DetachFromDisposeScope();
        return new Parameter(t);
    }

    internal static Parameter NewUniform(long[] shape, long fanIn)
    {
        using var t = torch.empty(shape).DetachFromDisposeScope();
        DefaultUniform(t, fanIn);
        return new Parameter(t);
    }
}
