using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace SpeechSeparation.Hub;

/// <summary>
/// HTTP for the hubs with the redirect rules kept by hand (automatic redirects are off): a redirect is followed only to
/// https, to the origin itself (same scheme, host and port), or from a loopback origin to a loopback host (tests); the
/// token is sent only to the origin.
/// </summary>
internal sealed class HubHttp : IDisposable
{
    public const int MaxRedirects = 10;

    private readonly HttpClient _client;
    private readonly string? _token;
    private readonly ILogger _logger;

    public HubHttp(HubOptions options, ILogger logger)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.ConnectTimeout,
            UseCookies = false,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("speechsep", typeof(HubHttp).Assembly.GetName().Version?.ToString() ?? "0"));
        _token = options.Token;
        _logger = logger;
        ReadTimeout = options.ReadTimeout;
    }

    /// <summary>How long a response may be silent before the request fails (<see cref="HubOptions.ReadTimeout"/>).</summary>
    public TimeSpan ReadTimeout { get; }

    /// <summary>Awaits <paramref name="operation"/> with <see cref="ReadTimeout"/> of silence allowed; a stall becomes a
    /// <see cref="HubException"/> naming <paramref name="what"/>, a cancellation of <paramref name="ct"/> stays one.</summary>
    public async Task<T> WithinReadTimeout<T>(Func<CancellationToken, Task<T>> operation, string what, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(ReadTimeout);
        try { return await operation(idle.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new HubException($"{what}: nothing received for {ReadTimeout.TotalSeconds:0.#} s; gave up (a partial download is kept and resumes next time).", HubErrorKind.Other, null);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Sends a request, following redirects (when <paramref name="follow"/> says so for the response) under the rules
    /// above. The response is returned undisposed with its headers read; the body is streamed.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long? rangeFrom, Func<HttpResponseMessage, bool> follow, CancellationToken ct)
    {
        var origin = url;
        var current = url;
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, current);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (_token is not null && SameOrigin(current, origin)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            if (rangeFrom is > 0) request.Headers.Range = new RangeHeaderValue(rangeFrom, null);
            _logger.LogDebug("{Method} {Url}{Range}", method, Shown(current), rangeFrom is > 0 ? $" (from byte {rangeFrom})" : "");
            HttpResponseMessage response;
            try
            {
                response = await WithinReadTimeout(t => _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, t),
                    $"{method} {Shown(current)}", ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e) { throw new HubException($"{method} {Shown(current)} failed: {e.Message}", HubErrorKind.Other, null, e); }
            int code = (int)response.StatusCode;
            if (code is not (301 or 302 or 303 or 307 or 308) || !follow(response)) return response;
            var location = response.Headers.Location;
            response.Dispose();
            if (location is null) throw new HubException($"{method} {Shown(current)}: redirect ({code}) without a Location.", HubErrorKind.Other, code);
            var next = location.IsAbsoluteUri ? location : new Uri(current, location);
            if (!RedirectAllowed(origin, next))
                throw new HubException($"{method} {Shown(current)} redirects to {Shown(next)}: only https redirects are followed; refused.", HubErrorKind.Other, code);
            if (hop + 1 >= MaxRedirects) throw new HubException($"{method} {Shown(url)}: more than {MaxRedirects} redirects.", HubErrorKind.Other, code);
            current = next;
        }
    }

    /// <summary>Whether a redirect to <paramref name="target"/> may be followed.</summary>
    public static bool RedirectAllowed(Uri origin, Uri target) =>
        target.Scheme == Uri.UriSchemeHttps || SameOrigin(origin, target)
        || (target.Scheme == Uri.UriSchemeHttp && IsLoopback(origin) && IsLoopback(target));

    /// <summary>Same scheme, host and port.</summary>
    public static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static bool IsLoopback(Uri u) => u.IsLoopback || (IPAddress.TryParse(u.IdnHost, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>A URL for messages: without its query (signed CDN URLs carry credentials there).</summary>
    public static string Shown(Uri u) => u.GetLeftPart(UriPartial.Path);

    /// <summary>The first value of a header, or null.</summary>
    public static string? Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) || r.Content.Headers.TryGetValues(name, out v) ? v.FirstOrDefault() : null;

    /// <summary>
    /// Turns an error response into a <see cref="HubException"/>: Hugging Face's <c>X-Error-Code</c>
    /// (<c>RepoNotFound</c>, <c>RevisionNotFound</c>, <c>EntryNotFound</c>, <c>GatedRepo</c>) decides the kind, else the status.
    /// </summary>
    public static HubException Error(HttpResponseMessage r, string what, HubModelId id)
    {
        int code = (int)r.StatusCode;
        var errorCode = Header(r, "X-Error-Code");
        var kind = errorCode switch
        {
            "RepoNotFound" => HubErrorKind.RepositoryNotFound,
            "RevisionNotFound" => HubErrorKind.RevisionNotFound,
            "EntryNotFound" => HubErrorKind.EntryNotFound,
            "GatedRepo" => HubErrorKind.AccessDenied,
            _ => code is 401 or 403 ? HubErrorKind.AccessDenied : code == 404 ? HubErrorKind.EntryNotFound : HubErrorKind.Other,
        };
        string message = kind switch
        {
            HubErrorKind.RepositoryNotFound => $"{id}: the repository {id.RepositoryId} was not found (or is private: set HF_TOKEN)" +
                (id.Hub == ModelHubKind.HuggingFace && ModelCatalog.FindByHubId($"{HubModelId.ModelScopePrefix}{id.RepositoryId}") is not null ? $"; it is published on ModelScope: {HubModelId.ModelScopePrefix}{id.RepositoryId}" : "") + ".",
            HubErrorKind.RevisionNotFound => $"{id}: the revision '{id.EffectiveRevision}' was not found in {id.RepositoryId}.",
            HubErrorKind.EntryNotFound => $"{id}: {what} was not found at revision '{id.EffectiveRevision}'.",
            HubErrorKind.AccessDenied => $"{id}: access to {what} was refused (HTTP {code}{(errorCode is null ? "" : ", " + errorCode)}); a gated or private repository needs a token with access (HF_TOKEN).",
            _ => $"{id}: {what}: HTTP {code} {r.ReasonPhrase}{(errorCode is null ? "" : " (" + errorCode + ")")} from {Shown(r.RequestMessage?.RequestUri ?? new Uri("about:blank"))}.",
        };
        return new HubException(message, kind, code);
    }
}
