using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace SpeechSeparation.Cli.Commands;

/// <summary><c>speechsep models [--json]</c>: the catalogue of known published models.</summary>
public sealed class ModelsCommand : CliCommand
{
    /// <inheritdoc />
    public override string Name => "models";

    /// <inheritdoc />
    public override string Summary => "list the known published models (id, task, rate, parameters, licence, where the weights are)";

    private readonly Option<bool> _json = CommonOptions.Json();

    /// <inheritdoc />
    protected override void Configure(Command command) => command.Options.Add(_json);

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (parse.GetValue(_json))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                models = ModelCatalog.All.Select(e => new
                {
                    id = e.Id, task = e.Task.ToString(), architecture = e.Architecture, sample_rate = e.SampleRate, outputs = e.Outputs,
                    parameters = e.Parameters, published_scores = e.PublishedScores, weights = e.WeightsAt, layout = e.Layout, license = e.License, hub = e.HubIds,
                }),
                architectures = Architectures.Names,
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        foreach (var e in ModelCatalog.All)
        {
            stdout.WriteLine($"{e.Id}");
            stdout.WriteLine($"    {e.Task}, {e.Architecture}, {e.SampleRate} Hz, {e.Outputs} output(s), " +
                             (e.Parameters > 0 ? e.Parameters.ToString("N0", CultureInfo.InvariantCulture) + " parameters" : "size set by its config"));
            if (e.PublishedScores is not null) stdout.WriteLine($"    published: {e.PublishedScores}");
            stdout.WriteLine($"    weights: {e.WeightsAt}");
            stdout.WriteLine($"    layout: {e.Layout}");
            if (e.License is not null) stdout.WriteLine($"    licence: {e.License}");
            if (e.HubIds.Count > 0) stdout.WriteLine($"    load: {string.Join(", ", e.HubIds)}");
        }
        stdout.WriteLine();
        stdout.WriteLine($"architectures this build can run: {string.Join(", ", Architectures.Names)}");
        return 0;
    }
}
