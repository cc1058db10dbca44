namespace SpeechSeparation.Hub;

/// <summary>What a hub said no to.</summary>
public enum HubErrorKind
{
    /// <summary>The repository does not exist (or is private and no token allows it).</summary>
    RepositoryNotFound,
    /// <summary>The repository exists but not the revision.</summary>
    RevisionNotFound,
    /// <summary>The file is not in the repository at that revision.</summary>
    EntryNotFound,
    /// <summary>Authentication or authorisation refused (gated or private repository; set a token).</summary>
    AccessDenied,
    /// <summary>Any other HTTP failure, or a response that breaks the protocol.</summary>
    Other,
}

/// <summary>A hub request that failed: the message names the repository, the file and what the hub answered (never a token).</summary>
public sealed class HubException : IOException
{
    /// <summary>Creates the exception.</summary>
    public HubException(string message, HubErrorKind kind, int? statusCode = null, Exception? inner = null) : base(message, inner)
    {
        Kind = kind;
        StatusCode = statusCode;
    }

    /// <summary>What went wrong.</summary>
    public HubErrorKind Kind { get; }

    /// <summary>The HTTP status, when there was a response.</summary>
    public int? StatusCode { get; }
}
