using System.CommandLine;
using SpeechSeparation.Cli.Commands;

namespace SpeechSeparation.Cli;

/// <summary>
/// The <c>speechsep</c> command tree on System.CommandLine: <c>--help</c> on every command, <c>--version</c>, usage
/// errors on standard error with exit code 2, and Ctrl+C / SIGTERM turned into the commands' cancellation token.
/// </summary>
public static class CliApp
{
    /// <summary>How long a command may take to stop after Ctrl+C before the process ends anyway.</summary>
    public static TimeSpan TerminationTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Builds the root command with <paramref name="commands"/>.</summary>
    public static RootCommand CreateRoot(IEnumerable<CliCommand> commands)
    {
        var root = new RootCommand("speechsep: separate, enhance, evaluate, train and inspect speech-separation models.");
        foreach (var c in commands) root.Subcommands.Add(c.Create());
        UseToolVersion(root);
        return root;
    }

    /// <summary>The tool's version (informational version of this assembly), also when hosted by another process.</summary>
    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
        ?? typeof(CliApp).Assembly.GetName().Version!.ToString();

    /// <summary>Makes <c>--version</c> print <see cref="Version"/> (System.CommandLine prints the entry assembly's).</summary>
    public static void UseToolVersion(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var o in root.Options)
            if (o is VersionOption v) v.Action = new PrintVersion();
    }

    private sealed class PrintVersion : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return 0;
        }
    }

    /// <summary>Parses and runs a command line; returns the exit code.</summary>
    public static int Invoke(IEnumerable<CliCommand> commands, string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        Invoke(CreateRoot(commands), args, stdout, stderr, cancellationToken);

    /// <summary>Parses and runs a command line against <paramref name="root"/>; returns the exit code.</summary>
    public static int Invoke(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) stderr.WriteLine($"speechsep: {e.Message}");
            // The help of the command that was reached (the root's for a bare or unknown command), on standard error.
            var path = new List<string>();
            for (var r = parse.CommandResult; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
                path.Insert(0, r.Command.Name);
            root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = stderr, Error = stderr });
            return 2;
        }
        // Exceptions are the commands' business (CliCommand reports them); System.CommandLine's handler would print traces.
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = TerminationTimeout, EnableDefaultExceptionHandler = false };
        return parse.InvokeAsync(config, cancellationToken).GetAwaiter().GetResult();
    }
}
