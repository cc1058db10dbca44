using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace SpeechSeparation.Cli.Commands;

/// <summary><c>speechsep info MODEL [--arch NAME --config JSON] [--json]</c>: architecture, sample rate, outputs, parameters.</summary>
public sealed class InfoCommand : CliCommand
{
    /// <inheritdoc />
    public override string Name => "info";

    /// <inheritdoc />
    public override string Summary => "show a model's architecture, sample rate, outputs and parameter count";

    private readonly Argument<string> _model = new("model") { Description = "Model package or folder, checkpoint (with --arch), or 'default'." };
    private readonly Option<string> _arch = CommonOptions.Arch();
    private readonly Option<string> _config = CommonOptions.Config();
    private readonly Option<bool> _json = CommonOptions.Json();

    /// <inheritdoc />
    protected override void Configure(Command command)
    {
        command.Arguments.Add(_model);
        command.Options.Add(_arch);
        command.Options.Add(_config);
        command.Options.Add(_json);
    }

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        using var network = ModelPackage.LoadNetwork(parse.GetValue(_model)!, new SeparatorOptions { Architecture = parse.GetValue(_arch), ConfigJson = parse.GetValue(_config) });
        if (parse.GetValue(_json))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                architecture = network.Architecture, sample_rate = network.SampleRate, outputs = network.SourceNames,
                parameters = network.ParameterCount, device = network.Device.ToString(),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        stdout.WriteLine($"architecture: {network.Architecture}");
        stdout.WriteLine($"sample rate:  {network.SampleRate} Hz");
        stdout.WriteLine($"outputs:      {string.Join(", ", network.SourceNames)}");
        stdout.WriteLine($"parameters:   {network.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"device:       {network.Device}");
        return 0;
    }
}
