using SpeechSeparation.Conformance;

namespace SpeechSeparation.Cli.Commands;

/// <summary><c>speechsep check-fixture DIR...</c>: runs reference fixture folders and exits 0 only if all pass.</summary>
public sealed class CheckFixtureCommand : ICommand
{
    /// <inheritdoc />
    public string Name => "check-fixture";

    /// <inheritdoc />
    public string Summary => "run reference fixture folders (config.json + .npy + .pt); exit 0 only if all pass";

    /// <inheritdoc />
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine("usage: speechsep check-fixture DIR [DIR...] [--device cpu|cuda[:N]]   (a DIR without config.json is searched for fixture folders)");
            return 2;
        }
        var folders = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--device" && i + 1 < args.Length)
            {
                ModuleFixture.Device = torch.device(args[++i]);
                if (ModuleFixture.Device.type == DeviceType.CUDA)
                {
                    torch.backends.cuda.matmul.allow_tf32 = false;   // fixtures compare against float32 references
                    torch.backends.cudnn.allow_tf32 = false;
                }
                continue;
            }
            if (File.Exists(Path.Combine(a, "config.json"))) folders.Add(a);
            else if (Directory.Exists(a))
                folders.AddRange(Directory.EnumerateFiles(a, "config.json", SearchOption.AllDirectories)
                    .Select(f => Path.GetDirectoryName(f)!).Order(StringComparer.Ordinal));
            else { stderr.WriteLine($"check-fixture: '{a}' is not a folder."); return 2; }
        }
        if (folders.Count == 0) { stderr.WriteLine("check-fixture: no config.json found."); return 2; }
        int failed = 0;
        foreach (var f in folders)
        {
            var report = FixtureRunner.Run(f);
            report.WriteTo(stdout);
            if (!report.Passed) failed++;
        }
        if (folders.Count > 1) stdout.WriteLine($"{folders.Count - failed} of {folders.Count} fixtures passed");
        return failed == 0 ? 0 : 1;
    }
}
