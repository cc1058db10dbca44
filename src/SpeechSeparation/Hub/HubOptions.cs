using System.Text;
using Microsoft.Extensions.Logging;

namespace SpeechSeparation.Hub;

/// <summary>
/// Where and how models are fetched from Hugging Face and ModelScope. <c>new HubOptions()</c> reads its defaults from the
/// environment, as Python's <c>huggingface_hub</c> and <c>modelscope</c> do, so both share one cache:
/// <c>HF_ENDPOINT</c>, <c>HF_HUB_CACHE</c> (else <c>HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>),
/// <c>HF_TOKEN</c> (else the token file <c>HF_HOME/token</c> that <c>huggingface-cli login</c> writes),
/// <c>HF_HUB_OFFLINE</c>, <c>MODELSCOPE_DOMAIN</c>, <c>MODELSCOPE_CACHE</c> and <c>SPEECHSEP_HUB_LOCAL_DIRS</c>.
/// Every property can be set explicitly instead (tests and hosts need not touch the process environment).
/// </summary>
public sealed record HubOptions
{
    /// <summary>The options read from an environment lookup (the process environment when null).</summary>
    public static HubOptions FromEnvironment(Func<string, string?>? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        string? Get(string name) => env(name) is { Length: > 0 } v ? v : null;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var hfHome = Get("HF_HOME") ?? Path.Combine(Get("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache"), "huggingface");
        string? token = Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN");
        if (token is null)
        {
            var tokenFile = Get("HF_TOKEN_PATH") ?? Path.Combine(hfHome, "token");
            try { if (File.Exists(tokenFile)) token = File.ReadAllText(tokenFile).Trim() is { Length: > 0 } t ? t : null; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return new HubOptions(true)
        {
            HuggingFaceEndpoint = (Get("HF_ENDPOINT") ?? "https://huggingface.co").TrimEnd('/'),
            HuggingFaceCache = Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(hfHome, "hub"),
            Token = token,
            Offline = IsTrue(Get("HF_HUB_OFFLINE")) || IsTrue(Get("TRANSFORMERS_OFFLINE")),
            ModelScopeEndpoint = Get("MODELSCOPE_DOMAIN") is { } d ? (d.Contains("://", StringComparison.Ordinal) ? d : "https://" + d).TrimEnd('/') : "https://modelscope.cn",
            ModelScopeCache = Get("MODELSCOPE_CACHE") ?? Path.Combine(home, ".cache", "modelscope", "hub"),
            LocalDirs = Get("SPEECHSEP_HUB_LOCAL_DIRS") is { } dirs ? dirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) : [],
        };
    }

    private static bool IsTrue(string? v) => v is not null && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase)
                                                                || v.Equals("yes", StringComparison.OrdinalIgnoreCase) || v.Equals("on", StringComparison.OrdinalIgnoreCase));

    /// <summary>Options with the defaults read from the process environment (see the class summary).</summary>
    public HubOptions() : this(FromEnvironment()) { }

    private HubOptions(bool _) { }

    /// <summary>The Hugging Face endpoint (<c>HF_ENDPOINT</c>, default <c>https://huggingface.co</c>); a mirror may be given.</summary>
    public string HuggingFaceEndpoint { get; init; } = "https://huggingface.co";

    /// <summary>The Hugging Face cache folder, shared with <c>huggingface_hub</c>: <c>models--ORG--NAME/{blobs,snapshots,refs}</c>.</summary>
    public string HuggingFaceCache { get; init; } = "";

    /// <summary>A Hugging Face access token (<c>HF_TOKEN</c>): sent as a bearer token to the endpoint's own host only —
    /// never to a host it redirects to — and never logged or written anywhere.</summary>
    public string? Token { get; init; }

    /// <summary>Use only what is cached (<c>HF_HUB_OFFLINE=1</c>): no request is made, and a missing file is an error naming it.</summary>
    public bool Offline { get; init; }

    /// <summary>The ModelScope endpoint (<c>MODELSCOPE_DOMAIN</c>, default <c>https://modelscope.cn</c>).</summary>
    public string ModelScopeEndpoint { get; init; } = "https://modelscope.cn";

    /// <summary>The ModelScope cache folder (<c>MODELSCOPE_CACHE</c>, default <c>~/.cache/modelscope/hub</c>); models at <c>models/ORG/NAME</c>.</summary>
    public string ModelScopeCache { get; init; } = "";

    /// <summary>
    /// Folders that hold models downloaded as plain folders named after the repository (<c>SPEECHSEP_HUB_LOCAL_DIRS</c>,
    /// separated by the path separator), such as ClearerVoice-Studio's <c>checkpoints</c> folder: a Hugging Face id
    /// <c>hf:ORG/NAME</c> is looked up as <c>DIR/NAME</c> (then <c>DIR/ORG/NAME</c>) first, and used when it holds the files
    /// the model needs (huggingface_hub's <c>.cache/huggingface/download/*.metadata</c> files there are ignored).
    /// </summary>
    public IReadOnlyList<string> LocalDirs { get; init; } = [];

    /// <summary>The largest file accepted (default 32 GiB): a hub announcing more is refused before anything is written.</summary>
    public long MaxFileBytes { get; init; } = 32L << 30;

    /// <summary>Download progress (0 to 1 over the bytes to download).</summary>
    public IProgress<double>? Progress { get; init; }

    /// <summary>Logging (requests at Debug, downloads at Information).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>How long to wait for a connection (default 30 s); transfers themselves are bounded by the cancellation token.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a response may be silent (no headers, or no body bytes) before the request fails (default 60 s): a stalled
    /// server never hangs a load. A partial download is kept and resumes on the next call.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    // The token is never printed (records print every property).
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"HuggingFaceEndpoint = {HuggingFaceEndpoint}, HuggingFaceCache = {HuggingFaceCache}, Token = {(Token is null ? "(none)" : "(set)")}, ");
        builder.Append($"Offline = {Offline}, ModelScopeEndpoint = {ModelScopeEndpoint}, ModelScopeCache = {ModelScopeCache}, LocalDirs = [{string.Join(", ", LocalDirs)}], MaxFileBytes = {MaxFileBytes}, ConnectTimeout = {ConnectTimeout}, ReadTimeout = {ReadTimeout}");
        return true;
    }
}
