using static SpeechSeparation.Conformance.Tests.CliRun;
using System.Text.Json;
using SpeechSeparation.Cli.Commands;
using SpeechSeparation.Hub;
using SpeechSeparation.Signal;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Conformance.Tests;

/// <summary><c>speechsep download</c> and <c>--model hf:…</c> against the in-process loopback hub.</summary>
public sealed class DownloadCommandTests : IDisposable
{
    private readonly HubTestServer _server = new();
    private readonly string _root = Directory.CreateTempSubdirectory("speechsep-cli-hub").FullName;

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_root, true);
    }

    private HubOptions Hub(bool offline = false) => new()
    {
        HuggingFaceEndpoint = _server.Endpoint, HuggingFaceCache = Path.Combine(_root, "hf"), ModelScopeEndpoint = _server.Endpoint,
        ModelScopeCache = Path.Combine(_root, "ms"), Token = null, Offline = offline, LocalDirs = [],
    };

    [Fact]
    public void DownloadThenSeparateWithAHubModelMatchesTheLocalPackage()
    {
        var package = Path.Combine(_root, "package");
        DefaultModel.Export(package);
        var repo = _server.AddHf("test/model", HubTestServer.Folder(package));

        var (code, stdout, err) = Run(new DownloadCommand { Hub = Hub() }, "hf:test/model");
        Assert.True(code == 0, err);
        var snapshot = Path.Combine(_root, "hf", "models--test--model", "snapshots", repo.Commit);
        Assert.Equal(snapshot, stdout.Trim());
        Assert.Contains("download hf:test/model: 100%", err);                          // progress on standard error
        Assert.Equal(File.ReadAllBytes(Path.Combine(package, ModelPackage.WeightsFile)), File.ReadAllBytes(Path.Combine(snapshot, ModelPackage.WeightsFile)));

        (code, stdout, err) = Run(new DownloadCommand { Hub = Hub() }, "hf:test/model", "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(snapshot, doc.RootElement.GetProperty("path").GetString());
            Assert.Equal([ModelPackage.WeightsFile, ModelPackage.MetadataFile], doc.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).Order(StringComparer.Ordinal));
        }

        var tone = Enumerable.Range(0, 6000).Select(i => (float)(0.3 * Math.Sin(i * 0.05) + 0.2 * Math.Sin(i * 0.23))).ToArray();
        var input = Path.Combine(_root, "mix.wav");
        Wav.Write(input, AudioBuffer.FromMono(tone, 8000), WavSampleFormat.Float32);
        int before = _server.Requests.Count;
        (code, _, err) = Run(new SeparateCommand(false) { Hub = Hub() }, input, "--model", "hf:test/model", "--out", Path.Combine(_root, "hub"), "--format", "float32");
        Assert.True(code == 0, err);
        Assert.Equal(before + 1, _server.Requests.Count);                               // the listing; the files come from the cache
        (code, _, err) = Run(new SeparateCommand(false), input, "--model", package, "--out", Path.Combine(_root, "local"), "--format", "float32");
        Assert.True(code == 0, err);
        foreach (var s in new[] { "mix_speaker1.wav", "mix_speaker2.wav" })
            Assert.Equal(Wav.Read(Path.Combine(_root, "local", s)).Channel(0).ToArray(), Wav.Read(Path.Combine(_root, "hub", s)).Channel(0).ToArray());
    }

    [Fact]
    public void DownloadErrorsAreOneLineAndUsageErrorsExitTwo()
    {
        var (code, _, err) = Run(new DownloadCommand { Hub = Hub() }, "some/folder");
        Assert.Equal(2, code);
        Assert.Contains("not a hub id", err);
        var e = Assert.Throws<HubException>(() => Run(new DownloadCommand { Hub = Hub() }, "hf:nobody/nothing"));
        Assert.Equal(HubErrorKind.RepositoryNotFound, e.Kind);
        var missing = Assert.Throws<FileNotFoundException>(() => Run(new DownloadCommand { Hub = Hub(offline: true) }, "hf:test/model"));
        Assert.Contains("offline", missing.Message);
        Assert.DoesNotContain(_server.Requests, r => r.Path.Contains("test/model"));
    }
}
