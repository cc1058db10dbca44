// MSBuild task (compiled against netstandard2.0 by MSBuild) shipped in the SpeechSeparation.Tensors package (buildTransitive). It is compiled by MSBuild's
// RoslynCodeTaskFactory in the consuming build, so it uses only the BCL and Microsoft.Build.Utilities.
//
// Why: TorchSharp 0.107's libLibTorchSharp.so is linked against GCC 13's libstdc++ and so asks for the symbol version
// GLIBCXX_3.4.32, for exactly one symbol, std::ios_base_library_init(), which GCC 13 references from every translation
// unit that includes <iostream> and which is never called. Hosts with an older libstdc++ (Debian 12, Ubuntu 22.04:
// GLIBCXX_3.4.30) refuse to load the library. On such a host this task rewrites the copy in the build output (never the
// NuGet cache): the version requirement is renamed to one the library already requires from libstdc++, and the
// symbol's version binding is cleared, so the dynamic linker neither checks for GLIBCXX_3.4.32 nor binds the symbol to it.
#nullable enable
using System;
using System.IO;
using System.Text;
#if !SPEECHSEP_ELF_ONLY
using Microsoft.Build.Framework;
#endif

namespace SpeechSeparation.Build
{
#if !SPEECHSEP_ELF_ONLY   // the tests compile the ELF edit alone
    /// <summary>Patches libLibTorchSharp.so in the build output when the host's libstdc++ lacks GLIBCXX_3.4.32.</summary>
    public sealed class PatchLibStdCxxVersion : Microsoft.Build.Utilities.Task
    {
        /// <summary>The library to patch (in the build output).</summary>
        [Required] public string Library { get; set; } = "";

        /// <summary>The host's libstdc++; empty: found in the usual places.</summary>
        public string HostLibStdCxx { get; set; } = "";

        /// <summary>What was done: patched, not-needed, already-patched or no-host-libstdcxx.</summary>
        [Output] public string Result { get; set; } = "";

        public override bool Execute()
        {
            try
            {
                Result = ElfVersionPatch.PatchIfNeeded(Library, HostLibStdCxx.Length > 0 ? HostLibStdCxx : ElfVersionPatch.FindHostLibStdCxx());
                if (Result == "patched")
                    Log.LogMessage(MessageImportance.High,
                        $"SpeechSeparation: this host's libstdc++ lacks {ElfVersionPatch.MissingVersion}; patched the build output's copy of {Path.GetFileName(Library)} to load without it (the NuGet cache is untouched).");
                return true;
            }
            catch (Exception e)
            {
                Log.LogWarning($"SpeechSeparation: could not patch {Library} for this host's libstdc++: {e.Message}");
                return true;
            }
        }
    }

#endif

    /// <summary>The ELF64 edit itself: version-needed entries (.gnu.version_r) and symbol versions (.gnu.version).</summary>
    public static class ElfVersionPatch
    {
        public const string MissingVersion = "GLIBCXX_3.4.32";
        private const uint ShtDynsym = 11, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

        /// <summary>The host's libstdc++.so.6, or null.</summary>
        public static string? FindHostLibStdCxx()
        {
            foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64" })
            {
                var p = Path.Combine(dir, "libstdc++.so.6");
                if (File.Exists(p)) return p;
            }
            return null;
        }

        /// <summary>Whether <paramref name="libStdCxx"/> defines the version GLIBCXX_3.4.32.</summary>
        public static bool Provides(string libStdCxx, string version) =>
            IndexOf(File.ReadAllBytes(libStdCxx), Encoding.ASCII.GetBytes(version + "\0")) >= 0;

        /// <summary>Patches <paramref name="library"/> in place (by writing a new file) when the host needs it.</summary>
        public static string PatchIfNeeded(string library, string? hostLibStdCxx)
        {
            if (hostLibStdCxx is null || !File.Exists(hostLibStdCxx)) return "no-host-libstdcxx";
            if (Provides(hostLibStdCxx, MissingVersion)) return "not-needed";
            var bytes = File.ReadAllBytes(library);
            if (!Patch(bytes, MissingVersion)) return "already-patched";
            // A new file replaces the old one, so a hard link into the NuGet cache is never written through.
            var tmp = library + ".speechsep-patch";
            File.WriteAllBytes(tmp, bytes);
            File.Delete(library);
            File.Move(tmp, library);
            return "patched";
        }

        /// <summary>
        /// Renames every requirement of <paramref name="version"/> to another version required from the same library
        /// and clears the version of the symbols bound to it. False when nothing requires <paramref name="version"/>.
        /// </summary>
        public static bool Patch(byte[] elf, string version)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only little-endian ELF64 is supported");
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            long verneedOff = -1, versymOff = -1, dynsymOff = -1; int verneedCount = 0; long dynsymSize = 0; int dynstrIndex = -1;
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                uint type = U32(elf, h + 4);
                long off = (long)U64(elf, h + 0x18), size = (long)U64(elf, h + 0x20);
                if (type == ShtGnuVerneed) { verneedOff = off; verneedCount = (int)U32(elf, h + 0x2C); dynstrIndex = (int)U32(elf, h + 0x28); }
                else if (type == ShtGnuVersym) versymOff = off;
                else if (type == ShtDynsym) { dynsymOff = off; dynsymSize = size; }
            }
            if (verneedOff < 0 || versymOff < 0 || dynsymOff < 0) throw new InvalidDataException("no symbol-version sections");
            long dynstr = (long)U64(elf, shoff + (long)dynstrIndex * shentsize + 0x18);

            bool changed = false;
            long vn = verneedOff;
            for (int n = 0; n < verneedCount; n++)
            {
                int cnt = U16(elf, vn + 2);
                long aux = vn + U32(elf, vn + 8);
                long target = -1, victim = -1;
                for (int a = 0; a < cnt; a++)
                {
                    string name = CString(elf, dynstr + U32(elf, aux + 8));
                    if (name == version) victim = aux;
                    else if (target < 0 && name.StartsWith("GLIBCXX_", StringComparison.Ordinal)) target = aux;
                    aux += U32(elf, aux + 12);
                }
                if (victim >= 0 && target >= 0)
                {
                    ushort index = (ushort)(U16(elf, victim + 6) & 0x7fff);
                    // vna_hash and vna_name now describe the other version; vna_other (the index) is kept.
                    Put32(elf, victim, U32(elf, target));
                    Put32(elf, victim + 8, U32(elf, target + 8));
                    long symbols = dynsymSize / 24;
                    for (long s = 0; s < symbols; s++)
                    {
                        long v = versymOff + s * 2;
                        if ((U16(elf, v) & 0x7fff) == index) { elf[v] = 1; elf[v + 1] = 0; }   // VER_NDX_GLOBAL
                    }
                    changed = true;
                }
                uint next = U32(elf, vn + 12);
                if (next == 0) break;
                vn += next;
            }
            return changed;
        }

        /// <summary>The names of every version <paramref name="elf"/> requires, for checks.</summary>
        public static string[] RequiredVersions(byte[] elf)
        {
            var names = new System.Collections.Generic.List<string>();
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                if (U32(elf, h + 4) != ShtGnuVerneed) continue;
                long vn = (long)U64(elf, h + 0x18);
                long dynstr = (long)U64(elf, shoff + (long)U32(elf, h + 0x28) * shentsize + 0x18);
                for (int n = 0; n < (int)U32(elf, h + 0x2C); n++)
                {
                    long aux = vn + U32(elf, vn + 8);
                    for (int a = 0; a < U16(elf, vn + 2); a++) { names.Add(CString(elf, dynstr + U32(elf, aux + 8))); aux += U32(elf, aux + 12); }
                    vn += U32(elf, vn + 12);
                }
            }
            return names.ToArray();
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                if (haystack[i] != needle[0]) continue;
                int k = 1;
                while (k < needle.Length && haystack[i + k] == needle[k]) k++;
                if (k == needle.Length) return i;
            }
            return -1;
        }

        private static void Check(byte[] b, long at, int n)
        {
            if (at < 0 || at + n > b.Length) throw new InvalidDataException($"offset {at} outside the {b.Length}-byte file");
        }
        private static ushort U16(byte[] b, long at) { Check(b, at, 2); return BitConverter.ToUInt16(b, (int)at); }
        private static uint U32(byte[] b, long at) { Check(b, at, 4); return BitConverter.ToUInt32(b, (int)at); }
        private static ulong U64(byte[] b, long at) { Check(b, at, 8); return BitConverter.ToUInt64(b, (int)at); }
        private static void Put32(byte[] b, long at, uint v) { Check(b, at, 4); BitConverter.GetBytes(v).CopyTo(b, (int)at); }
        private static string CString(byte[] b, long at)
        {
            Check(b, at, 1);
            int end = (int)at;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
        }
    }
}
