using System.Diagnostics;
using System.Text.Json;

namespace SpeechSeparation.Conformance.Tests;

/// <summary>
/// The library sets OpenMP's passive wait policy before libtorch loads (see OpenMpWaitPolicy), and leaves a policy the
/// environment names alone: checked in fresh <c>speechsep</c> processes, whose bench report reads the native environment.
/// </summary>
public class OpenMpWaitPolicyTests
{
    [Theory]
    [InlineData(null, "PASSIVE")]
    [InlineData("ACTIVE", "ACTIVE")]
    public async Task ToolProcessesRunLibtorchWithThePassivePolicyUnlessTheEnvironmentNamesOne(string? environment, string expected)
    {
        var psi = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "speechsep.dll"),
            "bench", "--model", "default", "--seconds", "0.5", "--runs", "1", "--threads", "1", "--json"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment.Remove("OMP_WAIT_POLICY");
        if (environment is not null) psi.Environment["OMP_WAIT_POLICY"] = environment;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        using var report = JsonDocument.Parse(stdout);
        Assert.Equal(expected, report.RootElement.GetProperty("omp_wait_policy").GetString());
        Assert.True(report.RootElement.GetProperty("median_seconds").GetDouble() > 0);
    }
}
