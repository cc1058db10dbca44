using System.Text.RegularExpressions;

namespace SpeechSeparation.Cli;

/// <summary>
/// Expands the glob patterns the CLI accepts as inputs (for shells that do not expand them, and for quoted patterns):
/// <c>*</c> and <c>?</c> within one path segment, <c>**</c> as a whole segment for any depth of folders.
/// Matches are files only, sorted ordinally, without duplicates.
/// </summary>
public static class InputGlob
{
    /// <summary>True when <paramref name="input"/> contains a wildcard.</summary>
    public static bool IsPattern(string input) => input.IndexOfAny(['*', '?']) >= 0;

    /// <summary>The files matching <paramref name="pattern"/>.</summary>
    public static IReadOnlyList<string> Expand(string pattern)
    {
        var segments = pattern.Replace('\\', '/').Split('/');
        int fixedCount = 0;
        while (fixedCount < segments.Length - 1 && !IsPattern(segments[fixedCount])) fixedCount++;
        string root = fixedCount == 0 ? (pattern.StartsWith('/') ? "/" : ".") : string.Join('/', segments[..fixedCount]);
        if (root.Length == 0) root = "/";
        if (!Directory.Exists(root)) return [];
        var results = new SortedSet<string>(StringComparer.Ordinal);
        Match(root, segments[fixedCount..], results, prefix: fixedCount == 0 && !pattern.StartsWith('/') ? "" : null);
        return [.. results];
    }

    private static void Match(string dir, string[] rest, SortedSet<string> results, string? prefix)
    {
        string Name(string path) => prefix is null ? path : Path.GetRelativePath(".", path);
        if (rest.Length == 0) return;
        var head = rest[0];
        if (head == "**")
        {
            Match(dir, rest[1..], results, prefix);                       // zero folders
            foreach (var sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal)) Match(sub, rest, results, prefix);
            return;
        }
        var regex = new Regex("^" + Regex.Escape(head).Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]") + "$");
        if (rest.Length == 1)
        {
            foreach (var f in Directory.EnumerateFiles(dir))
                if (regex.IsMatch(Path.GetFileName(f))) results.Add(Name(f));
            return;
        }
        foreach (var sub in Directory.EnumerateDirectories(dir))
            if (regex.IsMatch(Path.GetFileName(sub))) Match(sub, rest[1..], results, prefix);
    }
}
