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
        using var report = await CliRun.FreshProcessJson(new Dictionary<string, string?> { ["SPEECHSEP_MALLOC"] = environment },
            "bench", "--arch", "sb_simpleseparator", "--config", """{"fft_size": 64, "hidden_size": 8}""", "--seconds", "0.25",
            "--runs", "1", "--threads", "1", "--json");
        Assert.Equal(expected, report.RootElement.GetProperty("heap_policy").GetString());
        Assert.True(report.RootElement.GetProperty("median_seconds").GetDouble() > 0);
    }
}
