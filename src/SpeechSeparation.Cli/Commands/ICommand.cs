namespace SpeechSeparation.Cli.Commands;

/// <summary>One <c>speechsep</c> sub-command.</summary>
public interface ICommand
{
    /// <summary>The name typed after <c>speechsep</c>.</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Summary { get; }

    /// <summary>Runs with the arguments after the command name; returns the exit code.</summary>
    int Run(string[] args, TextWriter stdout, TextWriter stderr);
}
