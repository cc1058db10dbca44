using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SpeechSeparation.Tests;

/// <summary>One request the test hub received.</summary>
internal sealed record HubRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>What the test hub answers; <see cref="CutAfter"/> closes the connection after that many body bytes.</summary>
internal sealed class HubResponse
{
    public int Status { get; init; } = 200;
    public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public byte[] Body { get; init; } = [];
    public int? CutAfter { get; init; }
    public TimeSpan ChunkDelay { get; init; }
}

/// <summary>A repository the test hub serves.</summary>
internal sealed class FakeRepo(string commit, Dictionary<string, byte[]> files)
{
    public string Commit { get; } = commit;
    public Dictionary<string, byte[]> Files { get; } = files;
    /// <summary>Names the listing shows instead of <see cref="Files"/>' keys (hostile listings).</summary>
    public List<string>? ListingNames { get; set; }
}

/// <summary>
/// An in-process loopback server speaking the Hugging Face and ModelScope download protocols (HTTP/1.1 over a
/// TcpListener, one request per connection): listings, HEAD/GET on resolve URLs with X-Repo-Commit, ETag,
/// X-Linked-Etag/-Size and a 302 to a "CDN" on another loopback host name (localhost) for LFS files, Range requests,
/// and Hugging Face's X-Error-Code 404s. <see cref="Override"/> replaces any answer (corrupt, truncated, cut-off).
/// </summary>
internal sealed class HubTestServer : IDisposable
{
    public const int LfsThreshold = 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public HubTestServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptLoop);
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public ConcurrentQueue<HubRequest> Requests { get; } = new();
    public ConcurrentDictionary<string, FakeRepo> HfRepos { get; } = new();
    public ConcurrentDictionary<string, FakeRepo> MsRepos { get; } = new();
    public Func<HubRequest, HubResponse?>? Override { get; set; }
    public TimeSpan CdnChunkDelay { get; set; }

    public static string Sha256(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));
    public static string GitSha1(byte[] b) => Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {b.Length}\0"), .. b]));
    public static string NewCommit() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    /// <summary>Serves the files of a folder as Hugging Face repository ORG/NAME; returns its commit.</summary>
    public FakeRepo AddHf(string repo, Dictionary<string, byte[]> files) => HfRepos[repo] = new FakeRepo(NewCommit(), files);

    public FakeRepo AddMs(string repo, Dictionary<string, byte[]> files) => MsRepos[repo] = new FakeRepo(NewCommit(), files);

    public static Dictionary<string, byte[]> Folder(string dir) =>
        Directory.EnumerateFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(one) == 0) return;
                head.Append((char)one[0]);
            }
            var lines = head.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var parts = lines[0].Split(' ');
            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var target = parts[1];
            int q = target.IndexOf('?');
            var request = new HubRequest(parts[0], q < 0 ? target : target[..q], q < 0 ? "" : target[(q + 1)..], headers);
            Requests.Enqueue(request);
            var response = Override?.Invoke(request) ?? Answer(request);
            await Write(stream, request, response);
        }
        catch (IOException) { }
        catch (SocketException) { }
    }

    private static async Task Write(NetworkStream stream, HubRequest request, HubResponse r)
    {
        var sb = new StringBuilder($"HTTP/1.1 {r.Status} {(HttpStatusCode)r.Status}\r\n");
        if (!r.Headers.ContainsKey("Content-Length")) sb.Append($"Content-Length: {r.Body.Length}\r\n");
        foreach (var (k, v) in r.Headers) sb.Append($"{k}: {v}\r\n");
        sb.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
        if (request.Method == "HEAD") return;
        int n = Math.Min(r.Body.Length, r.CutAfter ?? int.MaxValue);
        for (int o = 0; o < n; o += 4096)
        {
            await stream.WriteAsync(r.Body.AsMemory(o, Math.Min(4096, n - o)));
            if (r.ChunkDelay > TimeSpan.Zero) await Task.Delay(r.ChunkDelay);
        }
        await stream.FlushAsync();
    }

    private static HubResponse Error(int status, string? code) =>
        new() { Status = status, Headers = code is null ? new() : new(StringComparer.OrdinalIgnoreCase) { ["X-Error-Code"] = code }, Body = Encoding.UTF8.GetBytes($"{{\"error\":\"{code}\"}}") };

    private static HubResponse Json(object o) =>
        new() { Headers = new(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/json" }, Body = JsonSerializer.SerializeToUtf8Bytes(o) };

    /// <summary>The bytes from a <c>Range: bytes=N-</c> header on (206), or all of them (200).</summary>
    public static HubResponse Ranged(HubRequest request, byte[] body, TimeSpan delay = default)
    {
        var range = request.Header("Range");
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            int from = int.Parse(range[6..^1]);
            if (from >= body.Length) return new HubResponse { Status = 416, Headers = new(StringComparer.OrdinalIgnoreCase) { ["Content-Range"] = $"bytes */{body.Length}" } };
            return new HubResponse
            {
                Status = 206, Body = body[from..], ChunkDelay = delay,
                Headers = new(StringComparer.OrdinalIgnoreCase) { ["Content-Range"] = $"bytes {from}-{body.Length - 1}/{body.Length}" },
            };
        }
        return new HubResponse { Body = body, ChunkDelay = delay };
    }

    private HubResponse Answer(HubRequest r)
    {
        var seg = r.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        // Hugging Face listing: /api/models/ORG/NAME/revision/REV
        if (seg.Length >= 6 && seg[0] == "api" && seg[1] == "models" && seg[4] == "revision")
        {
            if (!HfRepos.TryGetValue($"{seg[2]}/{seg[3]}", out var repo)) return Error(404, "RepoNotFound");
            var rev = string.Join('/', seg[5..]);
            if (rev != "main" && rev != repo.Commit) return Error(404, "RevisionNotFound");
            return Json(new { id = $"{seg[2]}/{seg[3]}", sha = repo.Commit, siblings = (repo.ListingNames ?? [.. repo.Files.Keys]).Select(f => new { rfilename = f }) });
        }
        // ModelScope: /api/v1/models/ORG/NAME/repo/files and /api/v1/models/ORG/NAME/repo?FilePath=
        if (seg.Length >= 6 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "models" && seg[5] == "repo")
        {
            if (!MsRepos.TryGetValue($"{seg[3]}/{seg[4]}", out var repo)) return Error(404, null);
            var query = r.Query.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
            if (seg.Length == 7 && seg[6] == "files")
                return Json(new
                {
                    Code = 200, Success = true,
                    Data = new { Files = (repo.ListingNames ?? [.. repo.Files.Keys]).Select(f => new { Name = Path.GetFileName(f), Path = f, Size = repo.Files.TryGetValue(f, out var b) ? b.Length : 1, Sha256 = b is null ? "" : Sha256(b), Type = "blob" }) },
                });
            return repo.Files.TryGetValue(query.GetValueOrDefault("FilePath", ""), out var file) ? Ranged(r, file) : Error(404, null);
        }
        // CDN: /cdn/SHA256
        if (seg.Length == 2 && seg[0] == "cdn")
        {
            var file = HfRepos.Values.SelectMany(x => x.Files.Values).FirstOrDefault(b => Sha256(b) == seg[1]);
            return file is null ? Error(404, null) : Ranged(r, file, CdnChunkDelay);
        }
        // Hugging Face resolve: /ORG/NAME/resolve/REV/PATH
        if (seg.Length >= 5 && seg[2] == "resolve")
        {
            if (!HfRepos.TryGetValue($"{seg[0]}/{seg[1]}", out var repo)) return Error(404, "RepoNotFound");
            if (seg[3] != "main" && seg[3] != repo.Commit) return Error(404, "RevisionNotFound");
            var path = string.Join('/', seg[4..]);
            if (!repo.Files.TryGetValue(path, out var file)) return Error(404, "EntryNotFound");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Repo-Commit"] = repo.Commit };
            if (file.Length >= LfsThreshold)
            {
                headers["Location"] = $"http://localhost:{Port}/cdn/{Sha256(file)}";
                headers["X-Linked-Etag"] = $"\"{Sha256(file)}\"";
                headers["X-Linked-Size"] = file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                headers["ETag"] = $"\"{GitSha1(Encoding.ASCII.GetBytes("pointer"))}\"";
                return new HubResponse { Status = 302, Headers = headers };
            }
            headers["ETag"] = $"\"{GitSha1(file)}\"";
            return new HubResponse { Headers = headers, Body = file };
        }
        return Error(404, null);
    }
}
