using SpeechSeparation.Tensors;

namespace SpeechSeparation.Tests;

/// <summary>
/// A test that needs a CUDA GPU: skipped, with the reason shown in the test output, when the linked libtorch has no
/// CUDA or no GPU is visible (the default Debian build is CPU-only).
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!torch.cuda.is_available())
            Skip = $"needs CUDA: libtorch {torch.__version__} in this build has no usable GPU (build against a CUDA libtorch with LIBTORCH=..., see docs/cuda.md)";
    }
}
