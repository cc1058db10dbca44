using System.Diagnostics;
using System.Text.Json;
using SpeechSeparation.Cli.Commands;

namespace SpeechSeparation.Conformance.Tests;

/// <summary>Runs one command in process (or in a fresh <c>speechsep</c> process) and captures what it writes.</summary>
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

    /// <summary>
    /// Runs <c>speechsep ARGS</c> in a fresh process with the environment changed as given (a null value removes the
    /// variable), requires exit code 0 within two minutes, and parses its standard output as JSON.
    /// </summary>
    public static async Task<JsonDocument> FreshProcessJson(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "speechsep.dll"), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            psi.Environment.Remove(name);
            if (value is not null) psi.Environment[name] = value;
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        return JsonDocument.Parse(stdout);
    }
}
