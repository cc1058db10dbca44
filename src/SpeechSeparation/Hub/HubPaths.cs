namespace SpeechSeparation.Hub;

/// <summary>Checks on names that come from a hub (file names in listings, ETags, commit hashes): a repository is
/// untrusted input, and nothing it names may leave the cache folder.</summary>
internal static class HubPaths
{
    /// <summary>The longest repository-relative file path accepted.</summary>
    public const int MaxPathLength = 1024;

    /// <summary>
    /// Checks a repository-relative file path: '/'-separated, not empty, not absolute, no empty, <c>.</c> or <c>..</c>
    /// segment, no backslash, colon or control character.
    /// </summary>
    /// <exception cref="InvalidDataException">Anything else; the message names the file and <paramref name="source"/>.</exception>
    public static string CheckRelative(string? path, string source)
    {
        string Shown() => path is null ? "(none)" : path.Length > 200 ? path[..200] + "…" : path;
        if (string.IsNullOrEmpty(path) || path.Length > MaxPathLength || path[0] == '/' || path.Contains('\\') || path.Contains(':')
            || path.Any(char.IsControl) || path.Split('/').Any(s => s.Length == 0 || s == "." || s == "..")
            || Path.IsPathRooted(path))
            throw new InvalidDataException($"{source} names the file '{Shown()}', which is not a safe relative path inside the repository (absolute, '..', empty or odd segment): refused.");
        return path;
    }

    /// <summary>The local path of a repository-relative <paramref name="path"/> under <paramref name="root"/>, checked to stay inside it.</summary>
    public static string Under(string root, string path, string source)
    {
        CheckRelative(path, source);
        var full = Path.GetFullPath(Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar)));
        var rootFull = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootFull, StringComparison.Ordinal))
            throw new InvalidDataException($"{source}: the file '{path}' would land outside {root}: refused.");
        return full;
    }

    /// <summary>Whether <paramref name="s"/> is <paramref name="length"/> hexadecimal digits.</summary>
    public static bool IsHex(string? s, int length) => s is not null && s.Length == length && s.All(char.IsAsciiHexDigit);

    /// <summary>Whether a file (following symbolic links) exists and, when it is a link, ends inside <paramref name="inside"/>.</summary>
    /// <exception cref="InvalidDataException">A link that points out of <paramref name="inside"/>.</exception>
    public static bool ExistsInside(string file, string inside)
    {
        var info = new FileInfo(file);
        if (info.LinkTarget is null) return info.Exists;
        var target = info.ResolveLinkTarget(returnFinalTarget: true);
        if (target is null || !target.Exists) return false;
        var root = Path.GetFullPath(inside).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (!Path.GetFullPath(target.FullName).StartsWith(root, StringComparison.Ordinal))
            throw new InvalidDataException($"The cached file {file} is a link to {target.FullName}, outside {inside}: refused.");
        return true;
    }
}
