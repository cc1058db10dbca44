using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors.Native;

/// <summary>Owns one native <c>at::Tensor</c> object; released with <c>sst_free</c>.</summary>
internal sealed class TensorHandle : SafeHandle
{
    public TensorHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.sst_free(handle);
        return true;
    }
}
