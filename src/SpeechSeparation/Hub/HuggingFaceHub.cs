using System.Text.Json;
using Microsoft.Extensions.Logging;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Hub;

/// <summary>
/// Hugging Face downloads into the cache layout of Python's <c>huggingface_hub</c>:
/// <c>models--ORG--NAME/blobs/&lt;etag&gt;</c>, <c>snapshots/&lt;commit&gt;/&lt;path&gt;</c> (a relative link to the blob) and
/// <c>refs/&lt;revision&gt;</c> (the commit), with locks at <c>.locks/models--ORG--NAME/&lt;etag&gt;.lock</c>.
/// </summary>
internal sealed class HuggingFaceHub(HubOptions options, HubHttp http, ILogger logger)
{
    /// <summary>The largest repository listing read.</summary>
    public const int MaxListingBytes = 16 << 20;

    private sealed record FileMeta(string Commit, string Etag, long Size, Checksum Kind);

    public async Task<string> DownloadAsync(HubModelId id, CancellationToken ct)
    {
        if (LocalDir(id) is { } local) return local;
        var folder = $"models--{id.Organization}--{id.Name}";
        var repoDir = Path.Combine(options.HuggingFaceCache, folder);
        if (options.Offline) return await OfflineAsync(id, repoDir).ConfigureAwait(false);

        var (commit, files) = await ListAsync(id, ct).ConfigureAwait(false);
        var snapshot = Path.Combine(repoDir, "snapshots", commit);
        var plan = await ModelFiles.PlanAsync(files, id.ToString(), "not in the repository listing",
            p => FetchAsync(id, repoDir, commit, p, null, null, ct)).ConfigureAwait(false);
        var todo = new List<(string Path, FileMeta Meta)>();
        foreach (var w in plan.Weights)
            if (!HubPaths.ExistsInside(HubPaths.Under(snapshot, w, id.ToString()), repoDir))
                todo.Add((w, await HeadAsync(id, commit, w, ct).ConfigureAwait(false)));
        var progress = new ByteProgress(options.Progress, todo.Sum(t => t.Meta.Size));
        foreach (var (path, meta) in todo) await FetchAsync(id, repoDir, commit, path, meta, progress, ct).ConfigureAwait(false);
        WriteRef(repoDir, id, commit);
        options.Progress?.Report(1.0);
        logger.LogInformation("{Id} is at {Snapshot}", id, snapshot);
        return snapshot;
    }

    /// <summary>A folder named after the repository under one of <see cref="HubOptions.LocalDirs"/> that holds the model.</summary>
    private string? LocalDir(HubModelId id)
    {
        foreach (var root in options.LocalDirs)
            foreach (var dir in new[] { Path.Combine(root, id.Name), Path.Combine(root, id.Organization, id.Name) })
            {
                if (!Directory.Exists(dir)) continue;
                var files = CachedFiles(dir);
                try
                {
                    var plan = ModelFiles.PlanAsync(files, id.ToString(), $"in {dir}", p => Task.FromResult(HubPaths.Under(dir, p, id.ToString()))).GetAwaiter().GetResult();
                    if (plan.Weights.All(w => File.Exists(HubPaths.Under(dir, w, id.ToString()))))
                    {
                        logger.LogInformation("{Id}: using the local folder {Dir}", id, dir);
                        return dir;
                    }
                }
                catch (FileNotFoundException e)
                {
                    logger.LogDebug("{Id}: {Dir} does not hold the model ({Reason})", id, dir, e.Message);
                }
            }
        return null;
    }

    /// <summary>The files under a folder as '/'-separated relative paths (hidden <c>.cache</c> folders left out).</summary>
    internal static HashSet<string> CachedFiles(string dir) =>
        Directory.EnumerateFiles(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            .Select(f => Path.GetRelativePath(dir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => !f.StartsWith(".cache/", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);

    private async Task<string> OfflineAsync(HubModelId id, string repoDir)
    {
        var rev = id.EffectiveRevision;
        string? commit = HubPaths.IsHex(rev, 40) && Directory.Exists(Path.Combine(repoDir, "snapshots", rev)) ? rev : null;
        var refFile = HubPaths.Under(Path.Combine(repoDir, "refs"), rev, id.ToString());
        if (commit is null && File.Exists(refFile)) commit = File.ReadAllText(refFile).Trim();
        if (commit is null)
            throw new FileNotFoundException($"{id}: offline (HF_HUB_OFFLINE) and the cache has no revision '{rev}' ({refFile} is missing); download the model once while online.", refFile);
        if (!HubPaths.IsHex(commit, 40)) throw new InvalidDataException($"{refFile} does not hold a commit hash: refused.");
        var snapshot = Path.Combine(repoDir, "snapshots", commit);
        if (!Directory.Exists(snapshot))
            throw new FileNotFoundException($"{id}: offline (HF_HUB_OFFLINE) and the cache has no snapshot {snapshot}.", snapshot);
        var where = $"not in the cache at {snapshot}; offline (HF_HUB_OFFLINE)";
        string Local(string p)
        {
            var f = HubPaths.Under(snapshot, p, id.ToString());
            return HubPaths.ExistsInside(f, repoDir) ? f : throw new FileNotFoundException($"{id}: {p} is missing ({where}).", f);
        }
        var plan = await ModelFiles.PlanAsync(CachedFiles(snapshot), id.ToString(), where, p => Task.FromResult(Local(p))).ConfigureAwait(false);
        foreach (var w in plan.Weights) Local(w);
        logger.LogInformation("{Id}: offline, using {Snapshot}", id, snapshot);
        return snapshot;
    }

    private Uri Api(HubModelId id) =>
        new($"{options.HuggingFaceEndpoint.TrimEnd('/')}/api/models/{id.Organization}/{id.Name}/revision/{Uri.EscapeDataString(id.EffectiveRevision)}");

    private Uri Resolve(HubModelId id, string revision, string path) =>
        new($"{options.HuggingFaceEndpoint.TrimEnd('/')}/{id.Organization}/{id.Name}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>The commit and the files of the revision (the listing is untrusted: every name is checked).</summary>
    private async Task<(string Commit, IReadOnlySet<string> Files)> ListAsync(HubModelId id, CancellationToken ct)
    {
        var origin = Api(id);
        using var response = await http.SendAsync(HttpMethod.Get, origin, null, _ => true, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw HubHttp.Error(response, "the repository listing", id);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var doc = BoundedJson.Parse(body, MaxListingBytes, $"{id}: repository listing");
        var root = doc.RootElement;
        var sha = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sha", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (!HubPaths.IsHex(sha, 40)) throw new InvalidDataException($"{id}: the repository listing has no commit hash ('sha'): refused.");
        var files = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("siblings", out var siblings) && siblings.ValueKind == JsonValueKind.Array)
            foreach (var sib in siblings.EnumerateArray())
                if (sib.ValueKind == JsonValueKind.Object && sib.TryGetProperty("rfilename", out var f))
                    files.Add(HubPaths.CheckRelative(f.ValueKind == JsonValueKind.String ? f.GetString() : f.GetRawText(), $"{id}: the repository listing"));
        return (sha!.ToLowerInvariant(), files);
    }

    /// <summary>HEAD on the file: commit, ETag (X-Linked-Etag for LFS files) and size (X-Linked-Size, else Content-Length).
    /// Redirects to another host (the CDN of LFS files) are not followed: their headers are the answer.</summary>
    private async Task<FileMeta> HeadAsync(HubModelId id, string commit, string path, CancellationToken ct)
    {
        var what = $"{id}: {path}";
        var url = Resolve(id, commit, path);
        using var response = await http.SendAsync(HttpMethod.Head, url, null,
            r => HubHttp.Header(r, "X-Repo-Commit") is null && r.Headers.Location is { } l && (!l.IsAbsoluteUri || HubHttp.SameOrigin(l, url)), ct).ConfigureAwait(false);
        int code = (int)response.StatusCode;
        if (code is not (200 or 301 or 302 or 303 or 307 or 308)) throw HubHttp.Error(response, path, id);
        var repoCommit = HubHttp.Header(response, "X-Repo-Commit");
        if (!HubPaths.IsHex(repoCommit, 40)) throw new HubException($"{what}: the hub sent no commit hash (X-Repo-Commit); is {options.HuggingFaceEndpoint} a Hugging Face endpoint?", HubErrorKind.Other, code);
        var rawEtag = HubHttp.Header(response, "X-Linked-Etag") ?? HubHttp.Header(response, "ETag");
        var etag = rawEtag?.Trim();
        if (etag is not null && etag.StartsWith("W/", StringComparison.Ordinal)) etag = etag[2..];
        etag = etag?.Trim('"').ToLowerInvariant();
        var kind = HubPaths.IsHex(etag, 64) ? Checksum.Sha256 : HubPaths.IsHex(etag, 40) ? Checksum.GitBlobSha1
            : throw new InvalidDataException($"{what}: the ETag '{(rawEtag is null ? "(none)" : rawEtag.Length > 80 ? rawEtag[..80] : rawEtag)}' is not a SHA-256 or git hash: refused.");
        var size = BlobDownload.Size(HubHttp.Header(response, "X-Linked-Size"), options.MaxFileBytes, what)
                   ?? (response.Content.Headers.ContentLength is { } n ? BlobDownload.Check(n, options.MaxFileBytes, what) : (long?)null)
                   ?? throw new HubException($"{what}: the hub announced no size (X-Linked-Size or Content-Length).", HubErrorKind.Other, code);
        return new FileMeta(repoCommit!.ToLowerInvariant(), etag!, size, kind);
    }

    /// <summary>The file in the snapshot, downloaded (HEAD, then a verified GET into its blob) when not there.</summary>
    private async Task<string> FetchAsync(HubModelId id, string repoDir, string commit, string path, FileMeta? meta, ByteProgress? progress, CancellationToken ct)
    {
        var what = $"{id}: {path}";
        var pointer = HubPaths.Under(Path.Combine(repoDir, "snapshots", commit), path, id.ToString());
        if (HubPaths.ExistsInside(pointer, repoDir)) return pointer;
        meta ??= await HeadAsync(id, commit, path, ct).ConfigureAwait(false);
        if (meta.Commit != commit)
            throw new HubException($"{what}: the hub answered for commit {meta.Commit} where the listing said {commit}.", HubErrorKind.Other);
        var blob = Path.Combine(repoDir, "blobs", meta.Etag);
        if (!(File.Exists(blob) && new FileInfo(blob).Length == meta.Size))
        {
            var lockPath = Path.Combine(options.HuggingFaceCache, ".locks", Path.GetFileName(repoDir), meta.Etag + ".lock");
            using var held = await BlobDownload.LockAsync(lockPath, logger, ct).ConfigureAwait(false);
            if (!(File.Exists(blob) && new FileInfo(blob).Length == meta.Size))
            {
                logger.LogInformation("Downloading {What} ({Size} bytes)", what, meta.Size);
                await BlobDownload.DownloadAsync(http, Resolve(id, commit, path), what, id, meta.Size, meta.Kind, meta.Etag,
                    blob + ".incomplete", blob, progress, logger, ct).ConfigureAwait(false);
            }
            else logger.LogDebug("{What}: downloaded meanwhile by another process", what);
        }
        Link(blob, pointer);
        return pointer;
    }

    /// <summary>The snapshot entry: a relative symbolic link to the blob (a copy where links cannot be made).</summary>
    private void Link(string blob, string pointer)
    {
        var dir = Path.GetDirectoryName(pointer)!;
        Directory.CreateDirectory(dir);
        var info = new FileInfo(pointer);
        if (info.Exists || info.LinkTarget is not null) info.Delete();
        try { File.CreateSymbolicLink(pointer, Path.GetRelativePath(dir, blob)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            if (File.Exists(pointer)) return;     // made meanwhile by another download
            logger.LogDebug("No symbolic link at {Pointer} ({Error}); copying the blob", pointer, e.Message);
            File.Copy(blob, pointer, overwrite: true);
        }
    }

    private static void WriteRef(string repoDir, HubModelId id, string commit)
    {
        var rev = id.EffectiveRevision;
        if (rev == commit) return;
        var file = HubPaths.Under(Path.Combine(repoDir, "refs"), rev, id.ToString());
        if (File.Exists(file) && File.ReadAllText(file).Trim() == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var tmp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(tmp, commit);
        File.Move(tmp, file, overwrite: true);
    }
}
