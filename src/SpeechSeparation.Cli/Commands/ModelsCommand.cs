using System.Globalization;

namespace SpeechSeparation.Cli.Commands;

/// <summary><c>speechsep models</c>: the catalogue of known published models.</summary>
public sealed class ModelsCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "models";

    /// <inheritdoc />
    public string Summary => "list the known published models (id, task, rate, parameters, where the weights are)";

    /// <inheritdoc />
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        foreach (var e in ModelCatalog.All)
        {
            stdout.WriteLine($"{e.Id}");
            stdout.WriteLine($"    {e.Task}, {e.Architecture}, {e.SampleRate} Hz, {e.Outputs} output(s), " +
                             (e.Parameters > 0 ? e.Parameters.ToString("N0", CultureInfo.InvariantCulture) + " parameters" : "size set by its config"));
            if (e.PublishedScores is not null) stdout.WriteLine($"    published: {e.PublishedScores}");
            stdout.WriteLine($"    weights: {e.WeightsAt}");
            stdout.WriteLine($"    layout: {e.Layout}");
            if (e.License is not null) stdout.WriteLine($"    licence: {e.License}");
        }
        stdout.WriteLine();
        stdout.WriteLine($"architectures this build can run: {string.Join(", ", Architectures.Names)}");
        return 0;
    }
}
