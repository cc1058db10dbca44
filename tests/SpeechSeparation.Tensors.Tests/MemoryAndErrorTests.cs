using SpeechSeparation.Serialization;

namespace SpeechSeparation.Tensors.Tests;

/// <summary>Resident-memory measurements see the whole process, so these tests run alone.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

[Collection(nameof(MemoryMeasurement))]
public class MemoryAndErrorTests
{
    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    [Fact]
    public void DisposeScopeFreesEverythingButWhatIsMovedOut()
    {
        Tensor inner, kept;
        using (var scope = torch.NewDisposeScope())
        {
            inner = torch.ones(3) * 2;
            kept = (inner + 1).MoveToOuterDisposeScope();
            Assert.Same(scope, DisposeScope.Current);
        }
        Assert.True(inner.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(new float[] { 3, 3, 3 }, kept.ToFloatArray());
        kept.Dispose();
        Assert.Null(DisposeScope.Current);
        Assert.Throws<ObjectDisposedException>(() => kept.sum());
    }

    [Fact]
    public void NestedScopesHandOverToTheOuterOne()
    {
        using var outer = torch.NewDisposeScope();
        Tensor t;
        using (torch.NewDisposeScope()) t = torch.zeros(2).MoveToOuterDisposeScope();
        Assert.False(t.IsDisposed);
        outer.Dispose();
        Assert.True(t.IsDisposed);
    }

    [Fact]
    public void HundredThousandSmallOpsInScopesKeepMemoryFlat()
    {
        using var w = torch.ones(64).DetachFromDisposeScope();
        long baseline = 0;
        for (int i = 0; i < 100_000; i++)
        {
            using var scope = torch.NewDisposeScope();
            var y = ((w * 0.5 + 1).relu() - w).sum();
            if (i == 10_000) { GC.Collect(); baseline = ResidentBytes(); }
        }
        GC.Collect();
        long growth = ResidentBytes() - baseline;
        Assert.True(growth < 32L << 20, $"resident memory grew by {growth >> 20} MiB over 90,000 scoped iterations");
    }

    [Fact]
    public void ShapeMismatchRaisesWithLibtorchsMessage()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => torch.ones(2, 3) + torch.ones(4));
        Assert.Contains("must match", e.Message);
        Assert.Throws<TorchException>(() => torch.ones(2, 3).view(4, 2));
        Assert.Throws<TorchException>(() => torch.ones(2, 3).matmul(torch.ones(2, 3)));
        Assert.Throws<TorchException>(() => torch.ones(2, 3).permute(0));
        Assert.Throws<TorchException>(() => torch.nn.functional.conv1d(torch.ones(1, 2, 5), torch.ones(4, 3, 2)));
    }

    [Fact]
    public void WrongDtypeRaises()
    {
        using var scope = torch.NewDisposeScope();
        var ints = torch.tensor(new long[] { 1, 2, 3 });
        Assert.Throws<TorchException>(() => ints.matmul(torch.ones(3)));
        Assert.Throws<TorchException>(() => torch.ones(3).index_select(0, torch.ones(2)));
        Assert.Throws<TorchException>(() => torch.ones(3).view_as_complex());
    }

    [Fact]
    public void UnknownOrUnavailableDeviceRaises()
    {
        Assert.Throws<ArgumentException>(() => torch.device("tpu:0"));
        Assert.Equal(Device.CudaAt(1), torch.device("CUDA:1"));
        Assert.Equal("cuda:1", Device.CudaAt(1).ToString());
        if (!torch.cuda.is_available())
        {
            var e = Assert.Throws<TorchException>(() => torch.zeros([2], ScalarType.Float32, torch.CUDA));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Fact]
    public void BadArgumentsRaiseManagedExceptions()
    {
        Assert.Throws<ArgumentException>(() => torch.tensor(new float[] { 1, 2, 3 }, [2, 2]));
        Assert.Throws<ArgumentException>(() => new HostTensor(ScalarType.Float32, [3], new byte[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => torch.ones(3).chunk(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NN.Dropout(1.5));
    }

    [Fact]
    public void NoGradAndInferenceModeStopRecording()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(3).requires_grad_();
        using (torch.no_grad())
        {
            Assert.False(torch.is_grad_enabled());
            Assert.False((x * 2).requires_grad);
        }
        Assert.True(torch.is_grad_enabled());
        Assert.True((x * 2).requires_grad);
        using (torch.inference_mode()) Assert.False((x * 2).requires_grad);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(new float[] { 2, 2, 2 }, x.grad!.ToFloatArray());
        Assert.Null(torch.ones(2).grad);
        Assert.False(x.detach().requires_grad);
    }
}
