using SpeechSeparation.Cli.Commands;

namespace SpeechSeparation.Conformance.Tests;

/// <summary>Runs one command in process and captures what it writes.</summary>
internal static class CliRun
{
    /// <summary>Exit code, standard output and standard error of <paramref name="command"/> on <paramref name="args"/>.</summary>
    public static (int Code, string Out, string Err) Run(CliCommand command, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = command.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
