using System.CommandLine;

namespace SpeechSeparation.Cli.Commands;

/// <summary>A usage error (a missing or contradictory option): reported on standard error with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// One <c>speechsep</c> sub-command on System.CommandLine: it declares its arguments and options
/// (<see cref="Configure"/>, shared ones from <see cref="CommonOptions"/>) and runs with the parsed values
/// (<see cref="Execute"/>). Exit codes: 0 success, 1 failure (one line on standard error; the trace with
/// <c>SPEECHSEP_DEBUG=1</c>), 2 usage error, 130 cancelled (Ctrl+C).
/// </summary>
public abstract class CliCommand
{
    /// <summary>The name typed after <c>speechsep</c>.</summary>
    public abstract string Name { get; }

    /// <summary>One line for the usage text.</summary>
    public abstract string Summary { get; }

    /// <summary>How hub ids (<c>hf:…</c>, <c>modelscope:…</c>) are downloaded; null reads the environment
    /// (<see cref="SpeechSeparation.Hub.HubOptions"/>). Hosts and tests set it instead of changing the process environment.</summary>
    public SpeechSeparation.Hub.HubOptions? Hub { get; init; }

    /// <summary><see cref="Hub"/> (or the environment's settings) reporting download progress to <paramref name="progress"/>.</summary>
    protected SpeechSeparation.Hub.HubOptions HubSettings(IProgress<double>? progress) =>
        (Hub ?? new SpeechSeparation.Hub.HubOptions()) is var h && progress is not null && h.Progress is null ? h with { Progress = progress } : h;

    /// <summary>Adds the command's arguments and options.</summary>
    protected abstract void Configure(Command command);

    /// <summary>Runs the command; returns the exit code.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="stdout">Results (tables, JSON, written paths).</param>
    /// <param name="stderr">Progress, warnings and errors.</param>
    /// <param name="cancellationToken">Signalled on Ctrl+C / SIGTERM.</param>
    protected abstract int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken);

    /// <summary>The System.CommandLine command.</summary>
    /// <param name="propagateErrors">Let failures escape as exceptions (for <see cref="Run"/>) instead of turning them into
    /// one line on standard error and exit code 1 (the tool's behaviour).</param>
    public Command Create(bool propagateErrors = false)
    {
        var command = new Command(Name, Summary);
        Configure(command);
        command.SetAction((parse, ct) => Task.Run(() => Guarded(parse, propagateErrors, ct), CancellationToken.None));
        return command;
    }

    private int Guarded(ParseResult parse, bool propagateErrors, CancellationToken ct)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        try
        {
            return Execute(parse, stdout, stderr, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            stderr.WriteLine($"speechsep {Name}: cancelled.");
            return 130;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"speechsep {Name}: {e.Message}");
            stderr.WriteLine($"Run 'speechsep {Name} --help' for usage.");
            return 2;
        }
        catch (Exception e) when (e is not OutOfMemoryException && !propagateErrors)
        {
            // Every failure is reported as one line (the full trace with SPEECHSEP_DEBUG=1), never as a crash.
            stderr.WriteLine($"speechsep {Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("SPEECHSEP_DEBUG") == "1") stderr.WriteLine(e);
            return 1;
        }
    }

    /// <summary>
    /// Runs this command alone with the arguments after its name, for tests and embedding hosts: usage errors return 2
    /// (message on <paramref name="stderr"/>), cancellation 130, and other failures propagate as their exception.
    /// </summary>
    public int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand(Summary);
        root.Subcommands.Add(Create(propagateErrors: true));
        CliApp.UseToolVersion(root);
        return CliApp.Invoke(root, [Name, .. args], stdout, stderr, cancellationToken);
    }
}
