using System.CommandLine;
using System.Text.Json;
using SpeechSeparation.Hub;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep download MODEL [--json]</c>: fetches a model from Hugging Face (<c>hf:ORG/NAME[@REV]</c>) or ModelScope
/// (<c>modelscope:ORG/NAME[@REV]</c>) into the cache Python's <c>huggingface_hub</c>/<c>modelscope</c> share, with progress
/// on standard error, and prints the local folder. The environment decides endpoints, caches, token and offline mode
/// (<c>HF_ENDPOINT</c>, <c>HF_HUB_CACHE</c>/<c>HF_HOME</c>, <c>HF_TOKEN</c>, <c>HF_HUB_OFFLINE</c>, <c>MODELSCOPE_DOMAIN</c>,
/// <c>MODELSCOPE_CACHE</c>, <c>SPEECHSEP_HUB_LOCAL_DIRS</c>).
/// </summary>
public sealed class DownloadCommand : CliCommand
{
    /// <inheritdoc />
    public override string Name => "download";

    /// <inheritdoc />
    public override string Summary => "download a model from Hugging Face (hf:ORG/NAME[@REV]) or ModelScope (modelscope:ORG/NAME[@REV]) into the shared cache";

    private readonly Argument<string> _model = new("model") { Description = "hf:ORG/NAME[@REV] or modelscope:ORG/NAME[@REV] (the published ones: 'speechsep models')." };
    private readonly Option<bool> _json = CommonOptions.Json();

    /// <inheritdoc />
    protected override void Configure(Command command)
    {
        command.Arguments.Add(_model);
        command.Options.Add(_json);
    }

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var model = parse.GetValue(_model)!;
        if (!HubModelId.TryParse(model, out var id))
            throw new UsageException($"'{model}' is not a hub id: hf:ORG/NAME[@REV] or modelscope:ORG/NAME[@REV] (see 'speechsep models').");
        bool json = parse.GetValue(_json);
        var progress = new ConsoleProgress(stderr, "download " + id, enabled: !json);
        var hub = HubSettings(progress);
        string dir;
        try { dir = ModelHub.DownloadAsync(id!, hub, ct).GetAwaiter().GetResult(); }
        finally { progress.Done(); }
        var entry = ModelCatalog.FindByHubId(id!);
        if (json)
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                model = id!.ToString(), path = dir, catalogue_id = entry?.Id, architecture = entry?.Architecture,
                files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Where(f => !f.StartsWith('.')).Order(StringComparer.Ordinal),
            }, new JsonSerializerOptions { WriteIndented = true }));
        else stdout.WriteLine(dir);
        return 0;
    }
}
