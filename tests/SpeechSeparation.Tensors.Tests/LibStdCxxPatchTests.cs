using SpeechSeparation.Tensors;
using System.Security.Cryptography;
using SpeechSeparation.Build;

namespace SpeechSeparation.Tensors.Tests;

/// <summary>The build step that lets TorchSharp's native glue load on hosts whose libstdc++ lacks GLIBCXX_3.4.32.</summary>
public class LibStdCxxPatchTests
{
    private static string CachedLibTorchSharp()
    {
        var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(nuget, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's native library not found at {path}");
        return path;
    }

    private static string OutputLibTorchSharp() =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void PatchRemovesOnlyTheMissingVersionRequirement()
    {
        var original = File.ReadAllBytes(CachedLibTorchSharp());
        var before = ElfVersionPatch.RequiredVersions(original);
        Assert.Contains(ElfVersionPatch.MissingVersion, before);              // what the published binary asks for
        var patched = (byte[])original.Clone();
        Assert.True(ElfVersionPatch.Patch(patched, ElfVersionPatch.MissingVersion));
        var after = ElfVersionPatch.RequiredVersions(patched);
        Assert.DoesNotContain(ElfVersionPatch.MissingVersion, after);
        Assert.Equal(before.Length, after.Length);                            // one entry renamed, none removed
        for (int i = 0; i < before.Length; i++)                               // only the missing one renamed, to one already required
            if (before[i] == ElfVersionPatch.MissingVersion) Assert.True(after[i].StartsWith("GLIBCXX_", StringComparison.Ordinal) && before.Contains(after[i]), after[i]);
            else Assert.Equal(before[i], after[i]);
        int differing = original.Zip(patched).Count(p => p.First != p.Second);
        Assert.InRange(differing, 1, 16);                                      // hash + name offset + one version index
        Assert.False(ElfVersionPatch.Patch(patched, ElfVersionPatch.MissingVersion));   // idempotent
    }

    [Fact]
    public void HostWithTheVersionLeavesTheLibraryAlone()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-elf-").FullName;
        try
        {
            var lib = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(CachedLibTorchSharp(), lib);
            var newHost = Path.Combine(dir, "libstdc++.so.6");
            File.WriteAllBytes(newHost, [.. "\0GLIBCXX_3.4.31\0GLIBCXX_3.4.32\0GLIBCXX_3.4.33\0"u8]);
            var hash = SHA256.HashData(File.ReadAllBytes(lib));
            Assert.Equal("not-needed", ElfVersionPatch.PatchIfNeeded(lib, newHost));
            Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(lib)));

            var oldHost = Path.Combine(dir, "old-libstdc++.so.6");
            File.WriteAllBytes(oldHost, [.. "\0GLIBCXX_3.4.29\0GLIBCXX_3.4.30\0"u8]);
            Assert.Equal("patched", ElfVersionPatch.PatchIfNeeded(lib, oldHost));
            Assert.DoesNotContain(ElfVersionPatch.MissingVersion, ElfVersionPatch.RequiredVersions(File.ReadAllBytes(lib)));
            Assert.Equal("already-patched", ElfVersionPatch.PatchIfNeeded(lib, oldHost));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BuildPatchedThisOutputAndNeverTheNuGetCache()
    {
        var host = ElfVersionPatch.FindHostLibStdCxx();
        Assert.NotNull(host);
        Assert.Contains(ElfVersionPatch.MissingVersion, ElfVersionPatch.RequiredVersions(File.ReadAllBytes(CachedLibTorchSharp())));
        bool hostHasIt = ElfVersionPatch.Provides(host!, ElfVersionPatch.MissingVersion);
        var output = ElfVersionPatch.RequiredVersions(File.ReadAllBytes(OutputLibTorchSharp()));
        Assert.Equal(hostHasIt, output.Contains(ElfVersionPatch.MissingVersion));
        using var t = torch.ones(3).Mul(2);                                     // and the library in use loaded
        Assert.Equal(6.0, t.sum().ToDouble());
    }

    [Fact]
    public void NonElfInputIsRefusedWithAClearError()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatch.Patch(new byte[100], ElfVersionPatch.MissingVersion));
        Assert.Contains("ELF", e.Message);
        var truncated = File.ReadAllBytes(CachedLibTorchSharp())[..4096];
        Assert.Throws<InvalidDataException>(() => ElfVersionPatch.Patch(truncated, ElfVersionPatch.MissingVersion));
    }
}
