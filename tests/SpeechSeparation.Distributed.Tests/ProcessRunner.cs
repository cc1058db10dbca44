using System.Diagnostics;

namespace SpeechSeparation.Distributed.Tests;

/// <summary>Runs a child process to completion with a time limit, capturing its output.</summary>
internal static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    public static Result Run(string file, IEnumerable<string> arguments, TimeSpan limit, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        // A test run may itself sit under a launcher or a scheduler: the children must not inherit that.
        foreach (var v in new[] { "PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX" })
            info.Environment.Remove(v);
        if (environment is not null) foreach (var (k, v) in environment) info.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not end within {limit.TotalSeconds:F0} s:\n{output}");
        }
        p.WaitForExit();
        lock (output) return new Result(p.ExitCode, output.ToString(), clock.Elapsed);
    }
}
