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
        using var report = await CliRun.FreshProcessJson(new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = environment },
            "bench", "--model", "default", "--seconds", "0.5", "--runs", "1", "--threads", "1", "--json");
        Assert.Equal(expected, report.RootElement.GetProperty("omp_wait_policy").GetString());
        Assert.True(report.RootElement.GetProperty("median_seconds").GetDouble() > 0);
    }
}
