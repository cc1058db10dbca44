using SpeechSeparation.Cli.Commands;

namespace SpeechSeparation.Cli;

/// <summary>Entry point of the <c>speechsep</c> command-line tool.</summary>
public static class Program
{
    /// <summary>The commands, in usage order.</summary>
    public static IReadOnlyList<CliCommand> Commands { get; } =
    [
        new SeparateCommand(enhance: false),
        new SeparateCommand(enhance: true),
        new TrainCommand(),
        new ModelsCommand(),
        new DownloadCommand(),
        new BenchCommand(),
        new InfoCommand(),
        new CheckFixtureCommand(),
        new CheckpointCommand(),
        new EvaluateCommand(),
    ];

    /// <summary>Runs a command line; returns the process exit code.</summary>
    public static int Main(string[] args) => CliApp.Invoke(Commands, args, Console.Out, Console.Error);
}
