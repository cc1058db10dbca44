using SpeechSeparation.Cli.Commands;

namespace SpeechSeparation.Cli;

/// <summary>Entry point of the <c>speechsep</c> command-line tool.</summary>
public static class Program
{
    /// <summary>The commands, by name.</summary>
    public static IReadOnlyDictionary<string, ICommand> Commands { get; } = new ICommand[]
    {
        new SeparateCommand(enhance: false),
        new SeparateCommand(enhance: true),
        new TrainCommand(),
        new ModelsCommand(),
        new BenchCommand(),
        new InfoCommand(),
        new CheckFixtureCommand(),
        new CheckpointCommand(),
        new EvaluateCommand(),
    }.ToDictionary(c => c.Name);

    /// <summary>Runs a command line; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        if (!Commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine($"speechsep: unknown command '{args[0]}'.");
            PrintUsage(Console.Error);
            return 2;
        }
        try
        {
            return command.Run(args[1..], Console.Out, Console.Error);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Every failure is reported as one line (the full trace with SPEECHSEP_DEBUG=1), never as a crash.
            Console.Error.WriteLine($"speechsep {args[0]}: {e.Message}");
            if (Environment.GetEnvironmentVariable("SPEECHSEP_DEBUG") == "1") Console.Error.WriteLine(e);
            return 1;
        }
    }

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("usage: speechsep <command> [options]");
        w.WriteLine();
        foreach (var c in Commands.Values) w.WriteLine($"  {c.Name,-16} {c.Summary}");
    }
}
