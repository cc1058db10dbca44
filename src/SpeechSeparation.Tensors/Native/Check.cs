using System.Reflection;
using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors.Native;

/// <summary>Turns the shim's error returns into <see cref="TorchException"/>s and loads the native library.</summary>
internal static class Check
{
    private static int _resolverInstalled;

    /// <summary>Installs the library resolver when the assembly loads, before any P/Invoke.</summary>
#pragma warning disable CA2255 // The resolver must be installed before the first P/Invoke of this library.
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void EnsureLoaded()
    {
        if (Interlocked.Exchange(ref _resolverInstalled, 1) != 0) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Check).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver is already set for this assembly.
        }
    }

    private static readonly object LoadGate = new();
    private static IntPtr _shim;

    // The runtime asks the resolver again for every P/Invoke it binds: the shim is loaded (and the process tuned) once.
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != NativeMethods.Lib) return IntPtr.Zero;
        lock (LoadGate)
        {
            if (_shim == IntPtr.Zero)
            {
                NativeRuntimeTuning.ApplyBeforeLoadingLibtorch();
                _shim = LoadShim(assembly, path);
            }
            return _shim;
        }
    }

    private static IntPtr LoadShim(Assembly assembly, DllImportSearchPath? path)
    {
        var candidates = new List<string>();
        var env = Environment.GetEnvironmentVariable("SPEECHSEP_NATIVE");
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        var dir = Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(dir))
        {
            candidates.Add(Path.Combine(dir, "libspeechsep_torch.so"));
            candidates.Add(Path.Combine(dir, "runtimes", "linux-x64", "native", "libspeechsep_torch.so"));
        }
        string? firstError = null;
        foreach (var c in candidates)
        {
            if (!File.Exists(c)) continue;
            try { return NativeLibrary.Load(c); }
            catch (DllNotFoundException e) { firstError ??= e.Message; }
        }
        if (NativeLibrary.TryLoad("libspeechsep_torch.so", assembly, path, out var h)) return h;
        throw new TorchException(
            "Could not load the native shim libspeechsep_torch.so" + (firstError is null ? " (not found next to the assembly)" : $": {firstError}") +
            ". It links against libtorch: install it with 'sudo apt-get install libtorch-dev' (Debian/Ubuntu) and rebuild, " +
            "or set SPEECHSEP_NATIVE to the shim's path.");
    }

    internal static IntPtr Ptr(IntPtr p)
    {
        if (p == IntPtr.Zero) throw LastError();
        return p;
    }

    internal static int Status(int rc)
    {
        if (rc < 0) throw LastError();
        return rc;
    }

    internal static TorchException LastError()
    {
        var msg = Marshal.PtrToStringUTF8(NativeMethods.sst_last_error());
        return new TorchException(string.IsNullOrEmpty(msg) ? "libtorch call failed" : msg.Trim());
    }
}
