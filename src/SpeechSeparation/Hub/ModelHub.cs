using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SpeechSeparation.Hub;

/// <summary>
/// Downloads models from Hugging Face (<c>hf:ORG/NAME[@REV]</c>) and ModelScope (<c>modelscope:ORG/NAME[@REV]</c>) into
/// the caches Python's <c>huggingface_hub</c> and <c>modelscope</c> use (see <see cref="HubOptions"/>), fetching only
/// the files the model's layout needs. What <see cref="Separator.Load(string, SeparatorOptions?)"/> calls for a hub id.
/// </summary>
/// <remarks>
/// Downloads are checked before anything is moved into the cache: file names must be safe relative paths, sizes must
/// match the announced size (and stay below <see cref="HubOptions.MaxFileBytes"/>), and the content must match its hash —
/// SHA-256 for Hugging Face LFS files (their ETag) and ModelScope files (the listing's <c>Sha256</c>), git's blob SHA-1
/// for Hugging Face's regular files (their ETag). Interrupted transfers resume with <c>Range</c>; a lock file keeps two
/// processes from downloading the same file at once; redirects are followed only to https, and the token goes to the
/// endpoint's own host only.
/// </remarks>
public static class ModelHub
{
    /// <summary>Downloads (or finds in the cache) the model <paramref name="id"/>; returns the local folder holding its files.</summary>
    /// <param name="id">A hub id (<see cref="HubModelId"/>).</param>
    /// <param name="options">Endpoints, caches, token, offline mode, progress and logging (null: from the environment).</param>
    /// <param name="cancellationToken">Stops the download (a partial file is kept and resumed next time).</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not a hub id.</exception>
    /// <exception cref="HubException">The hub refused (repository, revision or file not found, access denied) or the transfer failed.</exception>
    /// <exception cref="InvalidDataException">A listing or file failed the checks (unsafe name, size, hash); nothing was kept.</exception>
    /// <exception cref="FileNotFoundException">Offline and not cached, or the repository holds no model this library loads.</exception>
    public static Task<string> DownloadAsync(string id, HubOptions? options = null, CancellationToken cancellationToken = default) =>
        DownloadAsync(HubModelId.Parse(id), options, cancellationToken);

    /// <inheritdoc cref="DownloadAsync(string, HubOptions?, CancellationToken)"/>
    public static async Task<string> DownloadAsync(HubModelId id, HubOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        options ??= new HubOptions();
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(ModelHub));
        using var http = new HubHttp(options, logger);
        return id.Hub == ModelHubKind.HuggingFace
            ? await new HuggingFaceHub(options, http, logger).DownloadAsync(id, cancellationToken).ConfigureAwait(false)
            : await new ModelScopeHub(options, http, logger).DownloadAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a redirect from a request to <paramref name="origin"/> may go to <paramref name="target"/>: to https,
    /// to the origin itself (same scheme, host and port), or from a loopback host to a loopback host.</summary>
    public static bool IsRedirectAllowed(Uri origin, Uri target) => HubHttp.RedirectAllowed(origin, target);

    /// <summary>Synchronous <see cref="DownloadAsync(string, HubOptions?, CancellationToken)"/>.</summary>
    public static string Download(string id, HubOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => DownloadAsync(id, options, cancellationToken), cancellationToken).GetAwaiter().GetResult();
}
