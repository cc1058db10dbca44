using System.Text.Json;
using Microsoft.Extensions.Logging;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Hub;

/// <summary>
/// ModelScope downloads through its REST API (file list from <c>/api/v1/models/ORG/NAME/repo/files</c>, files from
/// <c>/api/v1/models/ORG/NAME/repo?Revision=…&amp;FilePath=…</c>) into the <c>modelscope</c> cache layout: plain files at
/// <c>&lt;cache&gt;/models/ORG/NAME/&lt;path&gt;</c> (older versions: <c>&lt;cache&gt;/ORG/NAME</c>, also read), each
/// checked against the listing's size and SHA-256 — cached files too, so a stale or damaged copy is downloaded again.
/// </summary>
internal sealed class ModelScopeHub(HubOptions options, HubHttp http, ILogger logger)
{
    private sealed record Entry(long Size, string? Sha256);

    public async Task<string> DownloadAsync(HubModelId id, CancellationToken ct)
    {
        var cache = options.ModelScopeCache;
        var candidates = new List<string> { Path.Combine(cache, "models", id.Organization, id.Name), Path.Combine(cache, id.Organization, id.Name) };
        if (id.Name.Contains('.')) candidates.Insert(1, Path.Combine(cache, "models", id.Organization, id.Name.Replace(".", "___", StringComparison.Ordinal)));
        if (options.Offline) return await OfflineAsync(id, candidates).ConfigureAwait(false);

        var listing = await ListAsync(id, ct).ConfigureAwait(false);
        var dir = candidates.FirstOrDefault(Directory.Exists) ?? candidates[0];
        var files = listing.Keys.ToHashSet(StringComparer.Ordinal);
        var plan = await ModelFiles.PlanAsync(files, id.ToString(), "not in the repository listing",
            p => FetchAsync(id, dir, p, listing[p], null, ct)).ConfigureAwait(false);
        var todo = plan.Weights.Where(w => !Valid(HubPaths.Under(dir, w, id.ToString()), listing[w], ct)).ToList();
        var progress = new ByteProgress(options.Progress, todo.Sum(w => listing[w].Size));
        foreach (var w in todo) await FetchAsync(id, dir, w, listing[w], progress, ct).ConfigureAwait(false);
        options.Progress?.Report(1.0);
        logger.LogInformation("{Id} is at {Dir}", id, dir);
        return dir;
    }

    private async Task<string> OfflineAsync(HubModelId id, IReadOnlyList<string> candidates)
    {
        var dir = candidates.FirstOrDefault(Directory.Exists)
            ?? throw new FileNotFoundException($"{id}: offline (HF_HUB_OFFLINE) and the ModelScope cache holds no {string.Join(" or ", candidates)}; download the model once while online.", candidates[0]);
        var where = $"not in the cache at {dir}; offline (HF_HUB_OFFLINE)";
        string Local(string p)
        {
            var f = HubPaths.Under(dir, p, id.ToString());
            return File.Exists(f) ? f : throw new FileNotFoundException($"{id}: {p} is missing ({where}).", f);
        }
        var plan = await ModelFiles.PlanAsync(HuggingFaceHub.CachedFiles(dir), id.ToString(), where, p => Task.FromResult(Local(p))).ConfigureAwait(false);
        foreach (var w in plan.Weights) Local(w);
        return dir;
    }

    private string Base(HubModelId id) => $"{options.ModelScopeEndpoint.TrimEnd('/')}/api/v1/models/{id.Organization}/{id.Name}";

    private async Task<Dictionary<string, Entry>> ListAsync(HubModelId id, CancellationToken ct)
    {
        var url = new Uri($"{Base(id)}/repo/files?Revision={Uri.EscapeDataString(id.EffectiveRevision)}&Recursive=true");
        using var response = await http.SendAsync(HttpMethod.Get, url, null, _ => true, ct).ConfigureAwait(false);
        if ((int)response.StatusCode == 404)
            throw new HubException($"{id}: the repository {id.RepositoryId} (revision '{id.EffectiveRevision}') was not found on ModelScope.", HubErrorKind.RepositoryNotFound, 404);
        if (!response.IsSuccessStatusCode) throw HubHttp.Error(response, "the repository listing", id);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var doc = BoundedJson.Parse(body, HuggingFaceHub.MaxListingBytes, $"{id}: repository listing");
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{id}: the repository listing is not a JSON object.");
        if (root.TryGetProperty("Code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out int code) && code != 200)
        {
            var message = root.TryGetProperty("Message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            throw new HubException($"{id}: ModelScope answered code {code}{(message is null ? "" : ": " + message)}.", code == 404 ? HubErrorKind.RepositoryNotFound : HubErrorKind.Other, code);
        }
        var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (root.TryGetProperty("Data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("Files", out var files) && files.ValueKind == JsonValueKind.Array)
            foreach (var f in files.EnumerateArray())
            {
                if (f.ValueKind != JsonValueKind.Object) continue;
                if (f.TryGetProperty("Type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "tree") continue;
                var path = HubPaths.CheckRelative(f.TryGetProperty("Path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null, $"{id}: the repository listing");
                var what = $"{id}: {path}";
                long size = f.TryGetProperty("Size", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long n)
                    ? BlobDownload.Check(n, options.MaxFileBytes, what)
                    : throw new InvalidDataException($"{what}: the listing gives no size: refused.");
                string? sha = f.TryGetProperty("Sha256", out var h) && h.ValueKind == JsonValueKind.String && h.GetString() is { Length: > 0 } hs ? hs.ToLowerInvariant() : null;
                if (sha is not null && !HubPaths.IsHex(sha, 64)) throw new InvalidDataException($"{what}: the listing's Sha256 is not a SHA-256: refused.");
                result[path] = new Entry(size, sha);
            }
        return result;
    }

    private static bool Valid(string file, Entry entry, CancellationToken ct) =>
        File.Exists(file) && new FileInfo(file).Length == entry.Size
        && (entry.Sha256 is null || BlobDownload.Hash(file, Checksum.Sha256, ct) == entry.Sha256);

    private async Task<string> FetchAsync(HubModelId id, string dir, string path, Entry entry, ByteProgress? progress, CancellationToken ct)
    {
        var what = $"{id}: {path}";
        var target = HubPaths.Under(dir, path, id.ToString());
        if (Valid(target, entry, ct)) return target;
        var key = $"{id.Organization}/{id.Name}/{path}";
        var temp = HubPaths.Under(Path.Combine(options.ModelScopeCache, "._____temp"), key, id.ToString()) + ".incomplete";
        var lockPath = HubPaths.Under(Path.Combine(options.ModelScopeCache, ".lock"), key, id.ToString()) + ".lock";
        using var held = await BlobDownload.LockAsync(lockPath, logger, ct).ConfigureAwait(false);
        if (Valid(target, entry, ct)) return target;
        if (File.Exists(target)) logger.LogWarning("{What}: the cached copy does not match the listing's size or SHA-256; downloading it again", what);
        logger.LogInformation("Downloading {What} ({Size} bytes)", what, entry.Size);
        var url = new Uri($"{Base(id)}/repo?Revision={Uri.EscapeDataString(id.EffectiveRevision)}&FilePath={Uri.EscapeDataString(path)}");
        await BlobDownload.DownloadAsync(http, url, what, id, entry.Size, entry.Sha256 is null ? Checksum.None : Checksum.Sha256, entry.Sha256,
            temp, target, progress, logger, ct).ConfigureAwait(false);
        return target;
    }
}
