using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors;

/// <summary>
/// Makes libtorch's OpenMP worker threads sleep, rather than spin, while they wait for work
/// (<c>OMP_WAIT_POLICY=PASSIVE</c>), unless the environment already sets a policy.
/// </summary>
/// <remarks>
/// libtorch 2.10 runs its intra-op parallel regions on GNU OpenMP, whose default is to spin for a while at every
/// barrier. When the machine has other work (a second process, a test run, a training job), a spinning thread burns
/// the time slice its partner needs: the default model's 4 s window took 1.3–2.0 s with two threads on two busy cores
/// here, 0.37 s with one thread, and 0.14–0.18 s with passive waiting (docs/benchmarks.md). OpenMP reads the variable
/// once, when libtorch is loaded, so every assembly of the library applies it from its module initializer, before any
/// of its code can load libtorch (<c>OpenMpInitializer</c>); an application that loads libtorch itself first keeps OpenMP's default.
/// <para>Set <c>OMP_WAIT_POLICY=ACTIVE</c> in the environment to keep spinning (a dedicated, otherwise idle machine).</para>
/// </remarks>
public static class OpenMpWaitPolicy
{
    private const string Name = "OMP_WAIT_POLICY";
    private static readonly Lazy<bool> Applied = new(Apply);

    /// <summary>Whether the library set the policy (false when the environment already named one, or off Unix/Windows).</summary>
    public static bool SetByLibrary => Applied.Value;

    /// <summary>The policy in the process's native environment (what OpenMP reads), or null when none is set.</summary>
    public static string? Current => OperatingSystem.IsWindows()
        ? Environment.GetEnvironmentVariable(Name)
        : Marshal.PtrToStringUTF8(getenv(Name));

    /// <summary>Applies the policy once per process (later calls do nothing).</summary>
    public static void EnsureApplied() => _ = Applied.Value;

    private static bool Apply()
    {
        if (!string.IsNullOrEmpty(Current)) return false;
        if (OperatingSystem.IsWindows())
        {
            Environment.SetEnvironmentVariable(Name, "PASSIVE");        // SetEnvironmentVariableW: what the OpenMP runtime reads there
            return true;
        }
        // .NET keeps its own copy of the environment on Unix; OpenMP reads the C library's.
        return setenv(Name, "PASSIVE", 0) == 0;
    }

    [DllImport("libc")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
