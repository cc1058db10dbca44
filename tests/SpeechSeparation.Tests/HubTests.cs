using System.Text;
using System.Text.Json.Nodes;
using SpeechSeparation.Hub;

namespace SpeechSeparation.Tests;

/// <summary>
/// Loading by hub id against an in-process loopback hub (<see cref="HubTestServer"/>): the huggingface_hub cache layout,
/// verification (SHA-256 / git blob hash, sizes), resumption, locking, offline mode, token scope, redirects and hostile
/// listings. No test touches the internet or the process environment.
/// </summary>
public sealed class HubTests : IDisposable
{
    private readonly HubTestServer _server = new();
    private readonly string _root = Directory.CreateTempSubdirectory("speechsep-hub").FullName;

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private string HfCache => Path.Combine(_root, "hf");

    private HubOptions Options(bool offline = false, string? token = null) => new()
    {
        HuggingFaceEndpoint = _server.Endpoint, HuggingFaceCache = HfCache, ModelScopeEndpoint = _server.Endpoint,
        ModelScopeCache = Path.Combine(_root, "ms"), Token = token, Offline = offline, LocalDirs = [],
    };

    /// <summary>The embedded default model as a package folder, served as hf:test/model (plus a README that is not fetched).</summary>
    private (string Dir, FakeRepo Repo) ServePackage(string repo = "test/model")
    {
        var dir = Path.Combine(_root, "package");
        if (!Directory.Exists(dir)) DefaultModel.Export(dir);
        var files = HubTestServer.Folder(dir);
        files["README.md"] = Encoding.UTF8.GetBytes("# test model\n");
        return (dir, _server.AddHf(repo, files));
    }

    private string RepoDir(string repo = "test/model") => Path.Combine(HfCache, "models--" + repo.Replace("/", "--"));

    private static float[] Mixture(int n = 8000) =>
        Enumerable.Range(0, n).Select(i => (float)(0.3 * Math.Sin(i * 0.07) + 0.2 * Math.Sin(i * 0.31 + 1) + 0.05 * Math.Sin(i * 1.3))).ToArray();

    [Fact]
    public void HubIdsParseAndBadOnesAreRefused()
    {
        Assert.Equal(new HubModelId(ModelHubKind.HuggingFace, "org", "Name_1.x", "v1.0"), HubModelId.Parse("hf:org/Name_1.x@v1.0"));
        Assert.Equal("main", HubModelId.Parse("hf:a/b").EffectiveRevision);
        Assert.Equal("master", HubModelId.Parse("modelscope:damo/x").EffectiveRevision);
        Assert.Equal("hf:a/b@refs/pr/1", HubModelId.Parse("hf:a/b@refs/pr/1").ToString());
        foreach (var bad in new[] { "hf:../x", "hf:a/b/c", "hf:a", "hf:a/..", "hf:a/b@../x", "hf:a/b@", "hf:a/b@x//y", "modelscope:/b", "hf:a/b c" })
            Assert.Throws<ArgumentException>(() => HubModelId.Parse(bad));
        Assert.False(HubModelId.TryParse("some/folder", out _));
        Assert.True(HubModelId.HasHubPrefix("HF:a/b"));
    }

    [Fact]
    public void DownloadWritesTheHuggingFaceHubCacheLayoutAndTheTokenStaysWithTheOrigin()
    {
        var (dir, repo) = ServePackage();
        var snapshot = ModelHub.Download("hf:test/model", Options(token: "hf_secret_token_123"));
        var repoDir = RepoDir();
        Assert.Equal(Path.Combine(repoDir, "snapshots", repo.Commit), snapshot);
        Assert.Equal(repo.Commit, File.ReadAllText(Path.Combine(repoDir, "refs", "main")));
        var weights = File.ReadAllBytes(Path.Combine(dir, ModelPackage.WeightsFile));
        var meta = File.ReadAllBytes(Path.Combine(dir, ModelPackage.MetadataFile));
        Assert.Equal("../../blobs/" + HubTestServer.Sha256(weights), new FileInfo(Path.Combine(snapshot, ModelPackage.WeightsFile)).LinkTarget);
        Assert.Equal("../../blobs/" + HubTestServer.GitSha1(meta), new FileInfo(Path.Combine(snapshot, ModelPackage.MetadataFile)).LinkTarget);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(snapshot, ModelPackage.WeightsFile)));
        Assert.Equal(meta, File.ReadAllBytes(Path.Combine(snapshot, ModelPackage.MetadataFile)));
        Assert.False(File.Exists(Path.Combine(snapshot, "README.md")));                     // only what the model needs
        Assert.True(File.Exists(Path.Combine(HfCache, ".locks", "models--test--model", HubTestServer.Sha256(weights) + ".lock")));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoDir, "blobs"), "*.incomplete"));

        var requests = _server.Requests.ToList();
        Assert.Contains(requests, r => r.Method == "HEAD" && r.Path.EndsWith("/resolve/" + repo.Commit + "/model.safetensors"));
        var cdn = Assert.Single(requests, r => r.Path.StartsWith("/cdn/"));
        Assert.StartsWith("localhost:", cdn.Header("Host"));
        Assert.Null(cdn.Header("Authorization"));                                            // not sent to the redirected host
        var origin = requests.Where(r => !r.Path.StartsWith("/cdn/")).ToList();
        Assert.NotEmpty(origin);
        Assert.All(origin, r => Assert.Equal("Bearer hf_secret_token_123", r.Header("Authorization")));
        Assert.DoesNotContain(requests, r => r.Path.EndsWith("README.md"));
        // The token is written nowhere in the cache.
        foreach (var f in Directory.EnumerateFiles(HfCache, "*", SearchOption.AllDirectories))
            Assert.DoesNotContain("hf_secret_token_123", Encoding.Latin1.GetString(File.ReadAllBytes(f)));
        Assert.DoesNotContain("hf_secret_token_123", Options(token: "hf_secret_token_123").ToString());

        // A second download finds everything cached: one listing request, no file request.
        int before = _server.Requests.Count;
        Assert.Equal(snapshot, ModelHub.Download("hf:test/model", Options()));
        Assert.Single(_server.Requests.Skip(before), r => r.Path.StartsWith("/api/models/test/model/revision/main"));
        Assert.Equal(before + 1, _server.Requests.Count);
    }

    [Fact]
    public void LoadByHubIdSeparatesExactlyLikeTheLocalPackageAndThenWorksOffline()
    {
        var (dir, _) = ServePackage();
        var progress = new List<double>();
        var hub = Options() with { Progress = new SyncProgress(progress.Add) };
        var x = Mixture();
        using var fromHub = Separator.Load("hf:test/model", new SeparatorOptions { Hub = hub });
        using var fromDisk = Separator.Load(dir);
        var a = fromHub.Separate(x, 8000);
        var b = fromDisk.Separate(x, 8000);
        Assert.Equal(2, a.Sources.Count);
        for (int s = 0; s < 2; s++) Assert.Equal(b.Sources[s].Channel(0).ToArray(), a.Sources[s].Channel(0).ToArray());
        Assert.Equal(1.0, progress[^1]);
        Assert.True(progress.Count > 2 && progress.Zip(progress.Skip(1)).All(p => p.Second >= p.First), "progress rises to 1");

        int before = _server.Requests.Count;
        using var offline = Separator.Load("hf:test/model", new SeparatorOptions { Hub = Options(offline: true) });
        Assert.Equal(before, _server.Requests.Count);                                        // no request offline
        Assert.Equal(b.Sources[1].Channel(0).ToArray(), offline.Separate(x, 8000).Sources[1].Channel(0).ToArray());
    }

    [Fact]
    public void ACacheLaidOutByHuggingFaceHubLoadsOfflineWithoutAnyRequest()
    {
        var dir = Path.Combine(_root, "package");
        DefaultModel.Export(dir);
        // Exactly what huggingface_hub writes: blobs named by ETag, relative links in snapshots/<commit>, refs/main.
        var repoDir = RepoDir("someone/sep-model");
        var commit = HubTestServer.NewCommit();
        var snapshot = Path.Combine(repoDir, "snapshots", commit);
        Directory.CreateDirectory(Path.Combine(repoDir, "blobs"));
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(repoDir, "refs"));
        foreach (var f in new[] { ModelPackage.MetadataFile, ModelPackage.WeightsFile })
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, f));
            var etag = f == ModelPackage.WeightsFile ? HubTestServer.Sha256(bytes) : HubTestServer.GitSha1(bytes);
            File.WriteAllBytes(Path.Combine(repoDir, "blobs", etag), bytes);
            File.CreateSymbolicLink(Path.Combine(snapshot, f), "../../blobs/" + etag);
        }
        File.WriteAllText(Path.Combine(repoDir, "refs", "main"), commit);
        var x = Mixture(4000);
        using var cached = Separator.Load("hf:someone/sep-model", new SeparatorOptions { Hub = Options(offline: true) });
        using var local = Separator.Load(dir);
        Assert.Equal(local.Separate(x, 8000).Sources[0].Channel(0).ToArray(), cached.Separate(x, 8000).Sources[0].Channel(0).ToArray());
        Assert.Equal(snapshot, ModelHub.Download($"hf:someone/sep-model@{commit}", Options(offline: true)));
        Assert.Empty(_server.Requests);

        // A link out of the repository's folder is refused.
        File.Delete(Path.Combine(snapshot, ModelPackage.WeightsFile));
        File.CreateSymbolicLink(Path.Combine(snapshot, ModelPackage.WeightsFile), Path.Combine(dir, ModelPackage.WeightsFile));
        var e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("hf:someone/sep-model", Options(offline: true)));
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void OfflineNamesTheMissingFile()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ModelHub.Download("hf:test/model", Options(offline: true)));
        Assert.Contains("offline", e.Message);
        Assert.Contains(Path.Combine("refs", "main"), e.Message);
        // Metadata cached, weights not.
        var (dir, repo) = ServePackage();
        var snapshot = Path.Combine(RepoDir(), "snapshots", repo.Commit);
        Directory.CreateDirectory(snapshot);
        File.Copy(Path.Combine(dir, ModelPackage.MetadataFile), Path.Combine(snapshot, ModelPackage.MetadataFile));
        Directory.CreateDirectory(Path.Combine(RepoDir(), "refs"));
        File.WriteAllText(Path.Combine(RepoDir(), "refs", "main"), repo.Commit);
        e = Assert.Throws<FileNotFoundException>(() => ModelHub.Download("hf:test/model", Options(offline: true)));
        Assert.Contains("model.safetensors is missing", e.Message);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void ACorruptLfsFileIsRefusedAndDeleted()
    {
        var (_, repo) = ServePackage();
        var weights = repo.Files[ModelPackage.WeightsFile];
        var corrupt = (byte[])weights.Clone();
        corrupt[corrupt.Length / 2] ^= 0x5a;
        _server.Override = r => r.Path.StartsWith("/cdn/") ? HubTestServer.Ranged(r, corrupt) : null;
        var e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Contains("SHA-256 mismatch", e.Message);
        Assert.Contains(HubTestServer.Sha256(weights), e.Message);
        var blobs = Path.Combine(RepoDir(), "blobs");
        Assert.False(File.Exists(Path.Combine(blobs, HubTestServer.Sha256(weights))));
        Assert.False(File.Exists(Path.Combine(blobs, HubTestServer.Sha256(weights) + ".incomplete")));
        Assert.False(File.Exists(Path.Combine(RepoDir(), "snapshots", repo.Commit, ModelPackage.WeightsFile)));
    }

    [Fact]
    public void ACorruptSmallFileFailsItsGitBlobHash()
    {
        var (_, repo) = ServePackage();
        var meta = repo.Files[ModelPackage.MetadataFile];
        var changed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(meta).Replace("mossformer2", "mossformer3"));
        _server.Override = r => r.Method == "GET" && r.Path.EndsWith("/" + ModelPackage.MetadataFile)
            ? new HubResponse { Body = changed, Headers = new(StringComparer.OrdinalIgnoreCase) { ["X-Repo-Commit"] = repo.Commit, ["ETag"] = $"\"{HubTestServer.GitSha1(meta)}\"" } }
            : null;
        var e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Contains("git blob SHA-1 mismatch", e.Message);
        Assert.False(File.Exists(Path.Combine(RepoDir(), "blobs", HubTestServer.GitSha1(meta))));
    }

    [Fact]
    public void AnInterruptedTransferResumesWithRange()
    {
        var (_, repo) = ServePackage();
        var weights = repo.Files[ModelPackage.WeightsFile];
        int cut = weights.Length / 3, cdnCalls = 0;
        _server.Override = r => r.Path.StartsWith("/cdn/") && Interlocked.Increment(ref cdnCalls) == 1
            ? new HubResponse { Body = weights, CutAfter = cut } : null;
        var snapshot = ModelHub.Download("hf:test/model", Options());
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(snapshot, ModelPackage.WeightsFile)));
        var cdn = _server.Requests.Where(r => r.Path.StartsWith("/cdn/")).ToList();
        Assert.Equal(2, cdn.Count);
        Assert.Null(cdn[0].Header("Range"));
        Assert.Equal($"bytes={cut}-", cdn[1].Header("Range"));
    }

    [Fact]
    public void ATruncatedTransferKeepsItsPartAndTheNextDownloadResumesIt()
    {
        var (_, repo) = ServePackage();
        var weights = repo.Files[ModelPackage.WeightsFile];
        const int piece = 10_000;
        _server.Override = r => r.Path.StartsWith("/cdn/") ? Cut(HubTestServer.Ranged(r, weights), piece) : null;
        var e = Assert.Throws<HubException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Contains("broke off", e.Message);
        var incomplete = Path.Combine(RepoDir(), "blobs", HubTestServer.Sha256(weights) + ".incomplete");
        Assert.Equal(BlobDownloadAttempts * piece, new FileInfo(incomplete).Length);
        Assert.Equal(weights[..(BlobDownloadAttempts * piece)], File.ReadAllBytes(incomplete));

        _server.Override = null;
        int before = _server.Requests.Count;
        var snapshot = ModelHub.Download("hf:test/model", Options());
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(snapshot, ModelPackage.WeightsFile)));
        Assert.False(File.Exists(incomplete));
        Assert.Equal($"bytes={BlobDownloadAttempts * piece}-", _server.Requests.Skip(before).Single(r => r.Path.StartsWith("/cdn/")).Header("Range"));

        static HubResponse Cut(HubResponse r, int n) => new() { Status = r.Status, Headers = r.Headers, Body = r.Body, CutAfter = n };
    }

    private const int BlobDownloadAttempts = 4;

    [Fact]
    public void AServerSendingFewerBytesThanAnnouncedIsRefused()
    {
        var (_, repo) = ServePackage();
        var weights = repo.Files[ModelPackage.WeightsFile];
        _server.Override = r => r.Path.StartsWith("/cdn/") ? new HubResponse { Body = weights[..^100] } : null;
        var e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Contains($"{weights.Length - 100} bytes where {weights.Length} were announced", e.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoDir(), "blobs"), HubTestServer.Sha256(weights) + "*"));
    }

    [Theory]
    [InlineData("1000000000000000", "exceeds the limit")]
    [InlineData("-5", "not a non-negative number")]
    public void AbsurdAnnouncedSizesAreRefusedBeforeAnyByteIsWritten(string size, string message)
    {
        var (_, repo) = ServePackage();
        _server.Override = r => r.Method == "HEAD" && r.Path.EndsWith("/" + ModelPackage.WeightsFile)
            ? new HubResponse { Status = 302, Headers = new(StringComparer.OrdinalIgnoreCase) { ["X-Repo-Commit"] = repo.Commit, ["X-Linked-Size"] = size, ["X-Linked-Etag"] = new string('a', 64), ["Location"] = "https://cdn.invalid/x" } }
            : null;
        var e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain(_server.Requests, r => r.Path.StartsWith("/cdn/"));
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoDir(), "blobs"), new string('a', 64) + "*"));
    }

    [Theory]
    [InlineData("../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("C:\\evil")]
    [InlineData("sub//x")]
    public void HostileListingNamesAreRefused(string name)
    {
        var (_, repo) = ServePackage();
        repo.ListingNames = [ModelPackage.MetadataFile, ModelPackage.WeightsFile, name];
        var e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Contains($"'{name}'", e.Message);
        Assert.Contains("refused", e.Message);
        Assert.False(Directory.Exists(RepoDir()));

        _server.AddMs("test/ms", new Dictionary<string, byte[]> { ["configuration.json"] = "{}"u8.ToArray() }).ListingNames = ["configuration.json", name];
        e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("modelscope:test/ms", Options()));
        Assert.Contains($"'{name}'", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "ms")));
    }

    [Fact]
    public void AHostileClearerVoicePointerIsRefused()
    {
        _server.AddHf("test/cv", new Dictionary<string, byte[]> { ["last_best_checkpoint"] = "../../../etc/passwd\n"u8.ToArray(), ["last_best_checkpoint.pt"] = [1, 2, 3] });
        var e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("hf:test/cv", Options()));
        Assert.Contains("'../../../etc/passwd'", e.Message);
    }

    [Fact]
    public void AServerThatNeverAnswersFailsAfterTheReadTimeoutInsteadOfHanging()
    {
        // Accepts connections and reads the request, then says nothing.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<System.Net.Sockets.TcpClient>();
        _ = Task.Run(async () =>
        {
            try { while (true) { var c = await silent.AcceptTcpClientAsync(); lock (held) held.Add(c); } }
            catch (Exception) { }                                   // the listener was stopped
        });
        var options = Options() with
        {
            HuggingFaceEndpoint = $"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}",
            ReadTimeout = TimeSpan.FromSeconds(1),
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<HubException>(() => ModelHub.Download("hf:test/model", options));
        Assert.Contains("nothing received for 1 s", e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 30);
        silent.Stop();
        lock (held) foreach (var c in held) c.Dispose();
    }

    [Fact]
    public void HubErrorCodesBecomeClearExceptions()
    {
        var (_, repo) = ServePackage();
        var e = Assert.Throws<HubException>(() => ModelHub.Download("hf:nobody/nothing", Options()));
        Assert.Equal(HubErrorKind.RepositoryNotFound, e.Kind);
        Assert.Contains("nobody/nothing was not found", e.Message);
        e = Assert.Throws<HubException>(() => ModelHub.Download("hf:test/model@v9", Options()));
        Assert.Equal(HubErrorKind.RevisionNotFound, e.Kind);
        Assert.Contains("'v9'", e.Message);
        e = Assert.Throws<HubException>(() => ModelHub.Download("hf:damo/speech_frcrn_ans_cirm_16k", Options()));
        Assert.Contains("modelscope:damo/speech_frcrn_ans_cirm_16k", e.Message);          // the ModelScope-only models are pointed at
        _server.Override = r => r.Path.EndsWith("/" + ModelPackage.WeightsFile)
            ? new HubResponse { Status = 404, Headers = new(StringComparer.OrdinalIgnoreCase) { ["X-Error-Code"] = "EntryNotFound" } } : null;
        e = Assert.Throws<HubException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Equal(HubErrorKind.EntryNotFound, e.Kind);
        Assert.Contains("model.safetensors was not found", e.Message);
        _server.Override = _ => new HubResponse { Status = 401, Headers = new(StringComparer.OrdinalIgnoreCase) { ["X-Error-Code"] = "GatedRepo" } };
        e = Assert.Throws<HubException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Equal(HubErrorKind.AccessDenied, e.Kind);
        Assert.Contains("HF_TOKEN", e.Message);
        _ = repo;
    }

    [Fact]
    public void RedirectsOnlyGoToHttps()
    {
        ServePackage();
        _server.Override = r => r.Method == "GET" && r.Path.EndsWith("/" + ModelPackage.WeightsFile)
            ? new HubResponse { Status = 302, Headers = new(StringComparer.OrdinalIgnoreCase) { ["Location"] = "http://cdn.example.invalid/blob" } } : null;
        var e = Assert.Throws<HubException>(() => ModelHub.Download("hf:test/model", Options()));
        Assert.Contains("only https redirects are followed", e.Message);
        Assert.True(ModelHub.IsRedirectAllowed(new Uri("https://huggingface.co/a"), new Uri("https://cdn-lfs.hf.co/x")));
        Assert.False(ModelHub.IsRedirectAllowed(new Uri("https://huggingface.co/a"), new Uri("http://cdn-lfs.hf.co/x")));
        Assert.False(ModelHub.IsRedirectAllowed(new Uri("https://huggingface.co/a"), new Uri("file:///etc/passwd")));
    }

    [Fact]
    public async Task TwoConcurrentDownloadsOfOneFileMakeOneBlob()
    {
        var (_, repo) = ServePackage();
        var weights = repo.Files[ModelPackage.WeightsFile];
        _server.CdnChunkDelay = TimeSpan.FromMilliseconds(1);
        var tasks = Enumerable.Range(0, 2).Select(_ => Task.Run(() => ModelHub.DownloadAsync("hf:test/model", Options()))).ToArray();
        var paths = await Task.WhenAll(tasks);
        Assert.Equal(paths[0], paths[1]);
        Assert.Single(_server.Requests, r => r.Path.StartsWith("/cdn/"));
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(paths[0], ModelPackage.WeightsFile)));
        Assert.Equal(HubTestServer.Sha256(weights), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(RepoDir(), "blobs", HubTestServer.Sha256(weights))))));
    }

    [Fact]
    public void ModelScopeFolderDownloadsIntoItsCacheChecksSha256AndEnhancesLikeTheLocalFolder()
    {
        var src = TestPaths.Fixture("frcrn_tiny");
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!;
        var model = cfg["hyper"]!.DeepClone().AsObject();
        model["type"] = "speech_frcrn_ans_cirm_16k";
        var files = new Dictionary<string, byte[]>
        {
            ["configuration.json"] = Encoding.UTF8.GetBytes(new JsonObject { ["task"] = "acoustic-noise-suppression", ["model"] = model }.ToJsonString()),
            ["pytorch_model.bin"] = File.ReadAllBytes(Path.Combine(src, "state_dict.pt")),
            ["README.md"] = "x"u8.ToArray(),
        };
        _server.AddMs("test/frcrn", files);
        var local = Path.Combine(_root, "frcrn-local");
        Directory.CreateDirectory(local);
        foreach (var (k, v) in files) File.WriteAllBytes(Path.Combine(local, k), v);

        var x = Mixture(16000);
        using var fromHub = Enhancer.Load("modelscope:test/frcrn", new SeparatorOptions { Hub = Options() });
        using var fromDisk = Enhancer.Load(local);
        Assert.Equal(fromDisk.Enhance(x, 16000), fromHub.Enhance(x, 16000));
        var cached = Path.Combine(_root, "ms", "models", "test", "frcrn");
        Assert.Equal(files["pytorch_model.bin"], File.ReadAllBytes(Path.Combine(cached, "pytorch_model.bin")));
        Assert.False(File.Exists(Path.Combine(cached, "README.md")));
        Assert.Contains(_server.Requests, r => r.Path == "/api/v1/models/test/frcrn/repo/files" && r.Query.Contains("Revision=master"));

        // A damaged cached copy fails its SHA-256 and is fetched again; a corrupt download is refused and deleted.
        File.WriteAllBytes(Path.Combine(cached, "pytorch_model.bin"), [1, 2, 3]);
        Assert.Equal(cached, ModelHub.Download("modelscope:test/frcrn", Options()));
        Assert.Equal(files["pytorch_model.bin"], File.ReadAllBytes(Path.Combine(cached, "pytorch_model.bin")));
        File.Delete(Path.Combine(cached, "pytorch_model.bin"));
        var bad = (byte[])files["pytorch_model.bin"].Clone();
        bad[100] ^= 1;
        _server.Override = r => r.Query.Contains("FilePath=pytorch_model.bin") ? new HubResponse { Body = bad } : null;
        var e = Assert.Throws<InvalidDataException>(() => ModelHub.Download("modelscope:test/frcrn", Options()));
        Assert.Contains("SHA-256 mismatch", e.Message);
        Assert.False(File.Exists(Path.Combine(cached, "pytorch_model.bin")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "ms", "._____temp"), "*", SearchOption.AllDirectories));
        // Offline uses the folder as it is; a missing file is named.
        e2(() => ModelHub.Download("modelscope:test/frcrn", Options(offline: true)), "pytorch_model.bin is missing");

        static void e2(Action a, string message) => Assert.Contains(message, Assert.Throws<FileNotFoundException>(a).Message);
    }

    [Fact]
    public void AClearerVoiceStyleLocalFolderIsUsedWithoutRequests()
    {
        var checkpoints = Path.Combine(_root, "checkpoints");
        var dir = Path.Combine(checkpoints, "model");
        DefaultModel.Export(dir);
        Directory.CreateDirectory(Path.Combine(dir, ".cache", "huggingface", "download"));
        File.WriteAllText(Path.Combine(dir, ".cache", "huggingface", "download", "model.safetensors.metadata"), $"{HubTestServer.NewCommit()}\n{new string('b', 64)}\n1700000000.0\n");
        var options = Options() with { LocalDirs = [checkpoints] };
        Assert.Equal(dir, ModelHub.Download("hf:test/model", options));
        using var sep = Separator.Load("hf:test/model", new SeparatorOptions { Hub = options });
        Assert.Equal(2, sep.NumSources);
        Assert.Empty(_server.Requests);
        // The folder itself loads too (what ClearerVoice checkouts are).
        using var direct = Separator.Load(dir);
        Assert.Equal(2, direct.NumSources);
    }

    [Fact]
    public void TheCatalogueMapsThePublishedRepositories()
    {
        foreach (var (id, arch, task) in new[]
                 {
                     ("hf:alibabasglab/MossFormer2_SS_16K", "mossformer2", ModelTask.SpeechSeparation),
                     ("hf:alibabasglab/FRCRN_SE_16K", "frcrn", ModelTask.SpeechEnhancement),
                     ("hf:alibabasglab/MossFormer2_SE_48K", "mossformer2_se", ModelTask.SpeechEnhancement),
                     ("modelscope:damo/speech_mossformer_separation_temporal_8k", "mossformer", ModelTask.SpeechSeparation),
                     ("modelscope:damo/speech_mossformer2_separation_temporal_8k", "mossformer2", ModelTask.SpeechSeparation),
                     ("modelscope:damo/speech_frcrn_ans_cirm_16k", "frcrn", ModelTask.SpeechEnhancement),
                     ("hf:alibabasglab/mossformer2-wsj0mix-3spk", "mossformer2", ModelTask.SpeechSeparation),
                     ("hf:alibabasglab/mossformer2-librimix-2spk", "mossformer2", ModelTask.SpeechSeparation),
                     ("hf:alibabasglab/mossformer2-whamr-2spk", "mossformer2", ModelTask.SpeechSeparation),
                 })
        {
            var e = ModelCatalog.FindByHubId(id + "@main");
            Assert.NotNull(e);
            Assert.Equal(arch, e.Architecture);
            Assert.Equal(task, e.Task);
        }
        Assert.Null(ModelCatalog.FindByHubId("hf:damo/speech_frcrn_ans_cirm_16k"));
        Assert.Equal("frcrn", ModelCatalog.FindByHubId("hf:alibabasglab/frcrn_se_16k")!.LoadArchitecture);
    }

    [Fact]
    public void OptionsComeFromTheEnvironmentLikeHuggingFaceHub()
    {
        var env = new Dictionary<string, string> { ["HF_HOME"] = "/h", ["HF_HUB_OFFLINE"] = "1", ["HF_TOKEN"] = "tok", ["MODELSCOPE_DOMAIN"] = "www.modelscope.cn", ["HF_ENDPOINT"] = "https://mirror.example/" };
        var o = HubOptions.FromEnvironment(k => env.GetValueOrDefault(k));
        Assert.Equal(Path.Combine("/h", "hub"), o.HuggingFaceCache);
        Assert.True(o.Offline);
        Assert.Equal("tok", o.Token);
        Assert.Equal("https://mirror.example", o.HuggingFaceEndpoint);
        Assert.Equal("https://www.modelscope.cn", o.ModelScopeEndpoint);
        Assert.DoesNotContain("tok", o.ToString().Replace("Token", ""));
        env["HF_HUB_CACHE"] = "/c";
        env["HF_HUB_OFFLINE"] = "0";
        o = HubOptions.FromEnvironment(k => env.GetValueOrDefault(k));
        Assert.Equal("/c", o.HuggingFaceCache);
        Assert.False(o.Offline);
        Assert.Equal("https://huggingface.co", HubOptions.FromEnvironment(_ => null).HuggingFaceEndpoint);
    }

    private sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
