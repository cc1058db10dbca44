using System.Runtime.CompilerServices;

namespace SpeechSeparation.Distributed;

/// <summary>Applies <see cref="SpeechSeparation.Tensors.OpenMpWaitPolicy"/> when this assembly loads, before its code can load libtorch.</summary>
internal static class OpenMpInitializer
{
#pragma warning disable CA2255 // see OpenMpWaitPolicy: OpenMP reads its wait policy when libtorch loads
    [ModuleInitializer]
    internal static void OnLoad() => global::SpeechSeparation.Tensors.OpenMpWaitPolicy.EnsureApplied();
#pragma warning restore CA2255
}
