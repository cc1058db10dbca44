using System.Globalization;

namespace SpeechSeparation.Cli.Commands;

/// <summary><c>speechsep info MODEL [--arch NAME --config JSON]</c>: architecture, sample rate, outputs, parameters.</summary>
public sealed class InfoCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "info";

    /// <inheritdoc />
    public string Summary => "show a model's architecture, sample rate, outputs and parameter count";

    /// <inheritdoc />
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? path = null, arch = null, config = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--arch" && i + 1 < args.Length) arch = args[++i];
            else if (args[i] == "--config" && i + 1 < args.Length) config = args[++i];
            else if (path is null && !args[i].StartsWith("--", StringComparison.Ordinal)) path = args[i];
            else { stderr.WriteLine("usage: speechsep info MODEL [--arch NAME --config JSON]"); return 2; }
        }
        if (path is null) { stderr.WriteLine("usage: speechsep info MODEL [--arch NAME --config JSON]"); return 2; }
        using var network = ModelPackage.LoadNetwork(path, new SeparatorOptions { Architecture = arch, ConfigJson = config });
        stdout.WriteLine($"architecture: {network.Architecture}");
        stdout.WriteLine($"sample rate:  {network.SampleRate} Hz");
        stdout.WriteLine($"outputs:      {string.Join(", ", network.SourceNames)}");
        stdout.WriteLine($"parameters:   {network.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"device:       {network.Device}");
        return 0;
    }
}
