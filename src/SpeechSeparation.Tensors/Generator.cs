using SpeechSeparation.Tensors.Native;
using static SpeechSeparation.Tensors.Native.NativeMethods;

namespace SpeechSeparation.Tensors;

/// <summary>A seeded CPU random number generator (libtorch's Philox/MT generator), for reproducible sampling.</summary>
public sealed class Generator : IDisposable
{
    private IntPtr _handle;

    /// <summary>Creates a generator with a seed.</summary>
    public Generator(ulong seed)
    {
        torch.EnsureNative();
        _handle = Check.Ptr(sst_generator_new(seed));
    }

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Generator));

    /// <summary>Re-seeds the generator.</summary>
    public void ManualSeed(ulong seed) => Check.Status(sst_generator_seed(Handle, seed));

    /// <summary>Frees the native generator.</summary>
    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) sst_generator_free(h);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the native generator if Dispose was not called.</summary>
    ~Generator() => Dispose();
}
