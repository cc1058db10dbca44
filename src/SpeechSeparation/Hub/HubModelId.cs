using System.Text.RegularExpressions;

namespace SpeechSeparation.Hub;

/// <summary>The model hubs a <see cref="HubModelId"/> can name.</summary>
public enum ModelHubKind
{
    /// <summary>Hugging Face (<c>hf:ORG/NAME[@REV]</c>; default revision <c>main</c>).</summary>
    HuggingFace,
    /// <summary>ModelScope (<c>modelscope:ORG/NAME[@REV]</c>; default revision <c>master</c>).</summary>
    ModelScope,
}

/// <summary>
/// A model repository on a hub: <c>hf:ORG/NAME[@REV]</c> or <c>modelscope:ORG/NAME[@REV]</c>. Organisation and name are
/// letters, digits, <c>.</c>, <c>_</c> and <c>-</c> (no <c>..</c>); a revision is a branch, tag or commit hash
/// (letters, digits, <c>.</c>, <c>_</c>, <c>-</c> and <c>/</c>, no empty or <c>..</c> segment).
/// </summary>
/// <param name="Hub">Which hub.</param>
/// <param name="Organization">The owner (user or organisation).</param>
/// <param name="Name">The repository name.</param>
/// <param name="Revision">The revision asked for, or null for the hub's default branch.</param>
public sealed partial record HubModelId(ModelHubKind Hub, string Organization, string Name, string? Revision = null)
{
    /// <summary>The prefix of Hugging Face ids.</summary>
    public const string HuggingFacePrefix = "hf:";

    /// <summary>The prefix of ModelScope ids.</summary>
    public const string ModelScopePrefix = "modelscope:";

    /// <summary>The revision to fetch: <see cref="Revision"/>, else <c>main</c> (Hugging Face) or <c>master</c> (ModelScope).</summary>
    public string EffectiveRevision => Revision ?? (Hub == ModelHubKind.HuggingFace ? "main" : "master");

    /// <summary><c>ORG/NAME</c>.</summary>
    public string RepositoryId => $"{Organization}/{Name}";

    /// <summary>Whether <paramref name="text"/> starts with a hub prefix (<c>hf:</c> or <c>modelscope:</c>), i.e. is meant as a
    /// hub id rather than a path.</summary>
    public static bool HasHubPrefix(string? text) =>
        text is not null && (text.StartsWith(HuggingFacePrefix, StringComparison.OrdinalIgnoreCase) || text.StartsWith(ModelScopePrefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses a hub id.</summary>
    /// <exception cref="ArgumentException">Not a well-formed hub id; the message says what is wrong.</exception>
    public static HubModelId Parse(string text) =>
        TryParse(text, out var id, out var error) ? id! : throw new ArgumentException(error, nameof(text));

    /// <summary>Parses a hub id; false (and null) when <paramref name="text"/> is not one.</summary>
    public static bool TryParse(string? text, out HubModelId? id) => TryParse(text, out id, out _);

    private static bool TryParse(string? text, out HubModelId? id, out string error)
    {
        id = null;
        ModelHubKind hub;
        string rest;
        if (text is null) { error = "No hub id given."; return false; }
        if (text.StartsWith(HuggingFacePrefix, StringComparison.OrdinalIgnoreCase)) { hub = ModelHubKind.HuggingFace; rest = text[HuggingFacePrefix.Length..]; }
        else if (text.StartsWith(ModelScopePrefix, StringComparison.OrdinalIgnoreCase)) { hub = ModelHubKind.ModelScope; rest = text[ModelScopePrefix.Length..]; }
        else { error = $"'{text}' is not a hub id (hf:ORG/NAME[@REV] or modelscope:ORG/NAME[@REV])."; return false; }
        string? revision = null;
        int at = rest.IndexOf('@');
        if (at >= 0) { revision = rest[(at + 1)..]; rest = rest[..at]; }
        var parts = rest.Split('/');
        if (parts.Length != 2 || !IsName(parts[0]) || !IsName(parts[1]))
        {
            error = $"'{text}': the repository must be ORG/NAME (letters, digits, '.', '_', '-'; at most 96 characters each; no '..').";
            return false;
        }
        if (revision is not null && !IsRevision(revision))
        {
            error = $"'{text}': '{revision}' is not a revision (a branch, tag or commit: letters, digits, '.', '_', '-', '/'; no empty or '..' segment).";
            return false;
        }
        id = new HubModelId(hub, parts[0], parts[1], revision);
        error = "";
        return true;
    }

    internal static bool IsName(string s) => NamePattern().IsMatch(s) && !s.Contains("..", StringComparison.Ordinal);

    internal static bool IsRevision(string s) =>
        s.Length is > 0 and <= 200 && RevisionPattern().IsMatch(s) && s.Split('/').All(p => p.Length > 0 && p != "." && p != "..");

    /// <summary>The id as typed: <c>hf:ORG/NAME</c> or <c>modelscope:ORG/NAME</c>, with <c>@REV</c> when a revision was given.</summary>
    public override string ToString() =>
        (Hub == ModelHubKind.HuggingFace ? HuggingFacePrefix : ModelScopePrefix) + RepositoryId + (Revision is null ? "" : "@" + Revision);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9._/-]+$")]
    private static partial Regex RevisionPattern();
}
