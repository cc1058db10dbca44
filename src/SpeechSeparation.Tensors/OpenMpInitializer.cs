using System.Runtime.CompilerServices;

namespace SpeechSeparation.Tensors;

/// <summary>
/// Applies <see cref="OpenMpWaitPolicy"/> and the heap policy named by <c>SPEECHSEP_MALLOC</c>
/// (<see cref="NativeHeap.ApplyEnvironment"/>) when an assembly loads, before its code can load libtorch. One source file,
/// compiled into this assembly and linked into every other library assembly on TorchSharp (Directory.Build.targets).
/// </summary>
internal static class OpenMpInitializer
{
#pragma warning disable CA2255 // see OpenMpWaitPolicy: OpenMP reads its wait policy when libtorch loads
    [ModuleInitializer]
    internal static void OnLoad()
    {
        OpenMpWaitPolicy.EnsureApplied();
        NativeHeap.ApplyEnvironment();
    }
#pragma warning restore CA2255
}
