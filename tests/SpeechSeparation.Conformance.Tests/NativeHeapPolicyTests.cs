using System.Diagnostics;
using System.Text.Json;

namespace SpeechSeparation.Conformance.Tests;

/// <summary>
/// <c>SPEECHSEP_MALLOC=low-memory</c> switches a process to the low-memory heap policy when the library loads (glibc's
/// <c>mallopt</c> accepted the fixed threshold); anything else keeps glibc's default. Checked in fresh <c>speechsep</c>
/// processes, whose bench report names the policy in force.
/// </summary>
public class NativeHeapPolicyTests
{
    [Theory]
    [InlineData(null, "system")]
    [InlineData("low-memory", "low-memory")]
    [InlineData("LOW-MEMORY", "low-memory")]
    [InlineData("system", "system")]
    [InlineData("tcmalloc", "system")]
    public async Task ToolProcessesUseTheHeapPolicyTheEnvironmentNames(string? environment, string expected)
    {
        var psi = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "speechsep.dll"),
            "bench", "--arch", "sb_simpleseparator", "--config", """{"fft_size": 64, "hidden_size": 8}""", "--seconds", "0.25",
            "--runs", "1", "--threads", "1", "--json"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment.Remove("SPEECHSEP_MALLOC");
        if (environment is not null) psi.Environment["SPEECHSEP_MALLOC"] = environment;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        using var report = JsonDocument.Parse(stdout);
        Assert.Equal(expected, report.RootElement.GetProperty("heap_policy").GetString());
        Assert.True(report.RootElement.GetProperty("median_seconds").GetDouble() > 0);
    }
}
