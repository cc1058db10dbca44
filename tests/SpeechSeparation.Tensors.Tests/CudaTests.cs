using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Tests;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Tensors.Tests;

/// <summary>The same operations on the GPU and the CPU (TF32 off) must agree to float32 precision.</summary>
public class CudaTests
{
    private static void AssertClose(Tensor cpu, Tensor gpu, double tol = 1e-4)
    {
        var a = cpu.ToDoubleArray();
        var b = gpu.ToDoubleArray();   // copied back to the host
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= tol * (1 + Math.Abs(a[i])), $"element {i}: cpu {a[i]}, cuda {b[i]}");
    }

    [CudaFact]
    public void OpsAgreeWithTheCpu()
    {
        torch.backends.cuda.matmul.allow_tf32 = false; torch.backends.cudnn.allow_tf32 = false;
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var x = torch.randn(2, 4, 400);
        var w = torch.randn(8, 4, 5);
        var gx = x.to(torch.CUDA);
        var gw = w.to(torch.CUDA);
        Assert.Equal(DeviceType.CUDA, gx.device.type);
        AssertClose(F.conv1d(x, w, padding: 2), F.conv1d(gx, gw, padding: 2));
        AssertClose(x.matmul(x.transpose(1, 2)), gx.matmul(gx.transpose(1, 2)), 1e-3);
        var win = torch.hann_window(64);
        AssertClose(torch.stft(x.select(1, 0), 64, 16, 64, win).abs(), torch.stft(gx.select(1, 0), 64, 16, 64, win.to(torch.CUDA)).abs());
        var pinned = x.pin_memory();
        AssertClose(x, pinned.to(torch.CUDA, non_blocking: true));
        torch.cuda.synchronize();
    }

    [CudaFact]
    public void ModulesMoveToTheGpuAndTrainTheSame()
    {
        torch.backends.cuda.matmul.allow_tf32 = false; torch.backends.cudnn.allow_tf32 = false;
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        using var cpu = torch.nn.LSTM(6, 5, batchFirst: true, bidirectional: true);
        using var gpu = torch.nn.LSTM(6, 5, batchFirst: true, bidirectional: true);
        gpu.LoadStateDict(cpu.StateDictToHost());
        var w = gpu.state_dict()["weight_ih_l0"];
        gpu.to(torch.CUDA);
        Assert.Same(w, gpu.state_dict()["weight_ih_l0"]);
        Assert.Equal(DeviceType.CUDA, w.device.type);
        var x = torch.randn(3, 7, 6);
        var (yc, _, _) = cpu.forward(x);
        var (yg, _, _) = gpu.forward(x.to(torch.CUDA));
        AssertClose(yc, yg);
        yc.sum().backward();
        yg.sum().backward();
        AssertClose(cpu.state_dict()["weight_hh_l0"].grad!, gpu.state_dict()["weight_hh_l0"].grad!);
    }

    [Fact]
    public void CudaAvailabilityIsReportedWithoutCrashing()
    {
        int n = torch.cuda.device_count();
        Assert.Equal(n > 0, torch.cuda.is_available());
        torch.cuda.synchronize();   // a no-op without CUDA
    }
}
