using System.Diagnostics;
using SpeechSeparation.Signal;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Conformance.Tests;

/// <summary>
/// Issue 15's consumer check: the packed packages work for a new app and as a .NET tool on this machine, with no manual
/// step (tests/consumer/README.md).
/// </summary>
public class ConsumerPackageTests
{
    private static (int Code, string Output) Run(string workingDirectory, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)} ran over 5 minutes"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static void Succeeds(string dir, string file, params string[] args)
    {
        var (code, output) = Run(dir, file, args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited {code}:\n{output[Math.Max(0, output.Length - 4000)..]}");
    }

    [Fact]
    public void PackedPackagesSeparateTheSampleInANewAppAndAsATool()
    {
        var root = TestPaths.RepoRoot;
        var sample = Path.Combine(root, "samples", "two_speakers_8k.wav");
        var work = Directory.CreateTempSubdirectory("speechsep-consumer-").FullName;
        try
        {
            string feed = Path.Combine(work, "feed"), app = Path.Combine(work, "app"), tools = Path.Combine(work, "tools");
            Succeeds(root, "dotnet", "pack", "SpeechSeparation.sln", "-c", "Release", "--no-build", "-o", feed, "-v", "q", "-nologo");
            var version = Path.GetFileNameWithoutExtension(Directory.GetFiles(feed, "SpeechSeparation.*.nupkg")
                .Select(Path.GetFileName).Single(n => System.Text.RegularExpressions.Regex.IsMatch(n!, @"^SpeechSeparation\.\d")))!["SpeechSeparation.".Length..];

            Directory.CreateDirectory(app);
            var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            // Our packages land in a private packages folder (never a stale copy); TorchSharp comes from the user's cache.
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config><add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" /></config>
                  <packageSources><clear /><add key="local" value="{feed}" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
                  <fallbackPackageFolders><add key="user" value="{userPackages}" /></fallbackPackageFolders>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "consumer.csproj"),
                File.ReadAllText(Path.Combine(root, "tests", "consumer", "consumer.csproj.template")).Replace("$(SpeechSeparationVersion)", version));
            File.Copy(Path.Combine(root, "tests", "consumer", "Program.cs"), Path.Combine(app, "Program.cs"));
            Succeeds(app, "dotnet", "build", "-c", "Release", "-nologo", "-v", "q");
            var output = Path.Combine(work, "app-out");
            Directory.CreateDirectory(output);
            Succeeds(app, "dotnet", Path.Combine(app, "bin", "Release", "net10.0", "consumer.dll"), sample, output);
            AssertStems(sample, Path.Combine(output, "speaker1.wav"), Path.Combine(output, "speaker2.wav"));

            Succeeds(app, "dotnet", "tool", "install", "SpeechSeparation.Cli", "--version", version, "--tool-path", tools, "--configfile", Path.Combine(app, "nuget.config"));
            var toolOut = Path.Combine(work, "tool-out");
            Succeeds(app, Path.Combine(tools, "speechsep"), "separate", sample, "--out", toolOut);
            AssertStems(sample, Path.Combine(toolOut, "two_speakers_8k_speaker1.wav"), Path.Combine(toolOut, "two_speakers_8k_speaker2.wav"));
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>Two stems at the input's rate and length that add back to (nearly) the mixture: a real separation ran.</summary>
    private static void AssertStems(string mixturePath, string s1Path, string s2Path)
    {
        var mix = Wav.Read(mixturePath);
        var s1 = Wav.Read(s1Path);
        var s2 = Wav.Read(s2Path);
        foreach (var s in new[] { s1, s2 })
        {
            Assert.Equal(mix.SampleRate, s.SampleRate);
            Assert.Equal(mix.Frames, s.Frames);
            Assert.True(Level.Rms(s.Channel(0)) > 1e-3, "a stem is silent");
        }
        Assert.False(s1.Channel(0).SequenceEqual(s2.Channel(0)), "the two stems are identical");
    }
}
