using System.Reflection;
using System.Runtime.InteropServices;

namespace SpeechSeparation.Distributed.Mpi;

/// <summary>
/// Points MPI.NET's P/Invokes (which name <c>msmpi.dll</c>, Microsoft MPI) at a native MPI with the same ABI: MS-MPI on
/// Windows, MPICH 3/4 (<c>libmpich.so.12</c>; Intel MPI's and other MPICH-derived <c>libmpi.so.12</c>) on Linux and macOS.
/// Open MPI has a different handle ABI and cannot be used. <c>SPEECHSEP_MPI_LIBRARY</c> names another library file.
/// </summary>
public static class MpiLibrary
{
    /// <summary>The environment variable naming the MPI library to load instead of the default candidates.</summary>
    public const string OverrideVariable = "SPEECHSEP_MPI_LIBRARY";

    private static readonly Lock Gate = new();
    private static bool _registered;
    private static string? _loaded;

    /// <summary>The library files tried, in order, on this operating system.</summary>
    public static IReadOnlyList<string> Candidates
    {
        get
        {
            var list = new List<string>();
            if (Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } custom) list.Add(custom);
            if (OperatingSystem.IsWindows()) list.Add("msmpi.dll");
            else if (OperatingSystem.IsMacOS()) list.AddRange(["libmpich.12.dylib", "libmpi.12.dylib"]);
            else list.AddRange(["libmpich.so.12", "libmpi.so.12"]);
            return list;
        }
    }

    /// <summary>The library that was loaded (null before the first MPI call).</summary>
    public static string? Loaded => _loaded;

    /// <summary>Installs the resolver on MPI.NET's assembly (once per process).</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(typeof(MPI.Environment).Assembly, Resolve);
            _registered = true;
        }
    }

    /// <summary>Whether a native MPI library can be loaded here (loads it).</summary>
    public static bool TryLoad(out string? error)
    {
        try
        {
            Load();
            error = null;
            return true;
        }
        catch (DllNotFoundException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!name.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase)) return IntPtr.Zero;
        return Load();
    }

    private static IntPtr Load()
    {
        var failures = new List<string>();
        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                _loaded = candidate;
                return handle;
            }
            failures.Add(candidate);
        }
        throw new DllNotFoundException(
            $"No MPI library could be loaded (tried {string.Join(", ", failures)}). Install MPICH (Debian/Ubuntu: apt-get install mpich) " +
            $"or MS-MPI on Windows, or set {OverrideVariable} to an MPICH-ABI library; Open MPI is not supported.");
    }
}
