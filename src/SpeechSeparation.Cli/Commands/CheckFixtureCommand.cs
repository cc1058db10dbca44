using System.CommandLine;
using System.Text.Json;
using SpeechSeparation.Conformance;

namespace SpeechSeparation.Cli.Commands;

/// <summary><c>speechsep check-fixture DIR... [--device D] [--json]</c>: runs reference fixture folders and exits 0 only if all pass.</summary>
public sealed class CheckFixtureCommand : CliCommand
{
    /// <inheritdoc />
    public override string Name => "check-fixture";

    /// <inheritdoc />
    public override string Summary => "run reference fixture folders (config.json + .npy + .pt); exit 0 only if all pass";

    private readonly Argument<string[]> _dirs = new("dirs")
    {
        Description = "Fixture folders (with config.json); a folder without one is searched for fixture folders.",
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<bool> _json = CommonOptions.Json();

    /// <inheritdoc />
    protected override void Configure(Command command)
    {
        command.Arguments.Add(_dirs);
        command.Options.Add(_device);
        command.Options.Add(_json);
    }

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ModuleFixture.Device = CommonOptions.ParseDevice(parse.GetValue(_device)!);
        if (ModuleFixture.Device.type == DeviceType.CUDA)
        {
            torch.backends.cuda.matmul.allow_tf32 = false;   // fixtures compare against float32 references
            torch.backends.cudnn.allow_tf32 = false;
        }
        var folders = new List<string>();
        foreach (var a in parse.GetValue(_dirs) ?? [])
        {
            if (File.Exists(Path.Combine(a, "config.json"))) folders.Add(a);
            else if (Directory.Exists(a))
                folders.AddRange(Directory.EnumerateFiles(a, "config.json", SearchOption.AllDirectories)
                    .Select(f => Path.GetDirectoryName(f)!).Order(StringComparer.Ordinal));
            else throw new UsageException($"'{a}' is not a folder.");
        }
        if (folders.Count == 0) throw new UsageException("no config.json found.");
        bool json = parse.GetValue(_json);
        var reports = new List<object>();
        int failed = 0;
        foreach (var f in folders)
        {
            ct.ThrowIfCancellationRequested();
            var report = FixtureRunner.Run(f);
            if (!report.Passed) failed++;
            if (!json) { report.WriteTo(stdout); continue; }
            reports.Add(new
            {
                fixture = f, passed = report.Passed,
                checks = report.Checks.Select(c => new
                {
                    name = c.Name, passed = c.Passed, skipped = c.Skipped, detail = c.Detail,
                    max_abs = double.IsFinite(c.MaxAbs) ? c.MaxAbs : (double?)null, rel_l2 = double.IsFinite(c.RelL2) ? c.RelL2 : (double?)null,
                }),
            });
        }
        if (json) stdout.WriteLine(JsonSerializer.Serialize(new { fixtures = reports, passed = folders.Count - failed, failed }, new JsonSerializerOptions { WriteIndented = true }));
        else if (folders.Count > 1) stdout.WriteLine($"{folders.Count - failed} of {folders.Count} fixtures passed");
        return failed == 0 ? 0 : 1;
    }
}
