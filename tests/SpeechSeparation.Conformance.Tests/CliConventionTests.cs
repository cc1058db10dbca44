using System.Diagnostics;
using System.Text.Json;
using SpeechSeparation.Cli;
using SpeechSeparation.Cli.Commands;
using SpeechSeparation.Signal;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Conformance.Tests;

/// <summary>Issue 17 §5: the tool follows .NET-tool conventions (help, version, usage errors, JSON, Ctrl+C).</summary>
public class CliConventionTests
{
    private static (int Code, string Out, string Err) Tool(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Invoke(Program.Commands, args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void UsageErrorsGoToStandardErrorWithExitCodeTwo()
    {
        var bare = Tool();
        Assert.Equal(2, bare.Code);
        Assert.Equal("", bare.Out);
        Assert.Contains("Usage:", bare.Err);
        foreach (var c in Program.Commands) Assert.Contains(c.Name, bare.Err);

        var unknown = Tool("separat");
        Assert.Equal(2, unknown.Code);
        Assert.Equal("", unknown.Out);

        var badOption = Tool("models", "--no-such-option");
        Assert.Equal(2, badOption.Code);
        Assert.Contains("--no-such-option", badOption.Err);

        var badValue = Tool("separate", "x.wav", "--gain", "loud");
        Assert.Equal(2, badValue.Code);
        Assert.Contains("loud", badValue.Err);
    }

    [Fact]
    public void EveryCommandHasHelpAndTheToolHasAVersion()
    {
        foreach (var c in Program.Commands)
        {
            var help = Tool(c.Name, "--help");
            Assert.True(help.Code == 0, c.Name + ": " + help.Err);
            Assert.Contains("Usage:", help.Out);
            Assert.Contains(c.Summary, help.Out);
        }
        var version = Tool("--version");
        Assert.Equal(0, version.Code);
        Assert.Equal(typeof(Program).Assembly.GetName().Version!.ToString(3), version.Out.Trim().Split('+')[0]);
    }

    [Fact]
    public void ReportingCommandsWriteJson()
    {
        using (var doc = JsonDocument.Parse(Tool("models", "--json").Out))
            Assert.Equal(ModelCatalog.All.Count, doc.RootElement.GetProperty("models").GetArrayLength());
        using (var doc = JsonDocument.Parse(Tool("info", "default", "--json").Out))
        {
            Assert.Equal(8000, doc.RootElement.GetProperty("sample_rate").GetInt32());
            Assert.Equal(ModelCatalog.Find(DefaultModel.Id)!.Parameters, doc.RootElement.GetProperty("parameters").GetInt64());
        }
        var fixture = TestPaths.Fixture("mossformer_ms_encoder");
        var check = Tool("check-fixture", fixture, "--json");
        Assert.Equal(0, check.Code);
        using (var doc = JsonDocument.Parse(check.Out))
        {
            Assert.Equal(1, doc.RootElement.GetProperty("passed").GetInt32());
            Assert.All(doc.RootElement.GetProperty("fixtures")[0].GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("passed").GetBoolean()));
        }
        var bench = Tool("bench", "--arch", "sb_simpleseparator", "--config", """{"fft_size": 64, "hidden_size": 8}""", "--seconds", "0.25", "--runs", "2", "--batch-size", "2", "--json");
        Assert.True(bench.Code == 0, bench.Err);
        using (var doc = JsonDocument.Parse(bench.Out))
        {
            var times = doc.RootElement.GetProperty("times").EnumerateArray().Select(t => t.GetDouble()).ToArray();
            Assert.Equal(2, times.Length);
            Assert.Equal(times.Order().ElementAt(1), doc.RootElement.GetProperty("median_seconds").GetDouble());
            Assert.Equal(doc.RootElement.GetProperty("median_seconds").GetDouble() / 0.5, doc.RootElement.GetProperty("real_time_factor").GetDouble(), 9);
        }
    }

    [Fact]
    public void GainAndBatchSizeReachTheSeparator()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-cli-gain").FullName;
        try
        {
            var x = RealSpeech.Voice(RealSpeech.EnglishFemale, 2, seed: 3).Zip(RealSpeech.Voice(RealSpeech.ItalianMale, 2, seed: 4), (a, b) => 0.5f * (a + b)).ToArray();
            var input = Path.Combine(dir, "mix.wav");
            Wav.Write(input, AudioBuffer.FromMono(x, 8000), WavSampleFormat.Float32);
            var r = Tool("separate", input, "--out", Path.Combine(dir, "peak"), "--gain", "peak", "--batch-size", "3", "--window", "1", "--overlap", "0.25", "--format", "float32");
            Assert.True(r.Code == 0, r.Err);
            foreach (var s in new[] { "speaker1", "speaker2" })
                Assert.Equal(Math.Pow(10, -1.0 / 20), Level.Peak(Wav.Read(Path.Combine(dir, "peak", $"mix_{s}.wav")).Channel(0)), 4);
            // Batching windows does not change the result (same windows, same network).
            var one = Tool("separate", input, "--out", Path.Combine(dir, "b1"), "--gain", "none", "--batch-size", "1", "--window", "1", "--overlap", "0.25", "--format", "float32");
            var three = Tool("separate", input, "--out", Path.Combine(dir, "b3"), "--gain", "none", "--batch-size", "3", "--window", "1", "--overlap", "0.25", "--format", "float32");
            Assert.Equal(0, one.Code + three.Code);
            var a = Wav.Read(Path.Combine(dir, "b1", "mix_speaker1.wav")).Channel(0).ToArray();
            var b = Wav.Read(Path.Combine(dir, "b3", "mix_speaker1.wav")).Channel(0).ToArray();
            Assert.Equal(a.Length, b.Length);
            Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
            Assert.Contains(a, v => v != 0);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CtrlCStopsWithinSecondsLeavingNoStemsAndNoTemporaryFiles()
    {
        if (!OperatingSystem.IsLinux()) return;
        var dir = Directory.CreateTempSubdirectory("speechsep-sigint").FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(dir, "tmp")).FullName;
        try
        {
            // Ten minutes of real speech mixture: far longer than the test waits.
            var a = RealSpeech.Voice(RealSpeech.EnglishFemale, 60, seed: 1);
            var b = RealSpeech.Voice(RealSpeech.ItalianMale, 60, seed: 2);
            var input = Path.Combine(dir, "long.wav");
            using (var w = new WavWriter(input, new WavFormat(WavSampleFormat.Pcm16, 1, 8000)))
            {
                var mix = a.Zip(b, (p, q) => 0.5f * (p + q)).ToArray();
                for (int k = 0; k < 10; k++) w.Write(mix);
                w.Complete();
            }
            var outDir = Path.Combine(dir, "out");
            var psi = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "speechsep.dll"), "separate", input, "--out", outDir])
            {
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            psi.Environment["TMPDIR"] = tmp;
            using var p = Process.Start(psi)!;
            var stderr = new System.Text.StringBuilder();
            var started = new ManualResetEventSlim();
            p.ErrorDataReceived += (_, e) => { if (e.Data is null) return; lock (stderr) stderr.AppendLine(e.Data); if (e.Data.Contains('%')) started.Set(); };
            p.BeginErrorReadLine();
            p.BeginOutputReadLine();
            Assert.True(started.Wait(TimeSpan.FromMinutes(3)), "no progress line within 3 minutes: " + stderr);
            Assert.True(Directory.EnumerateFiles(tmp).Any(), "the separation writes its intermediate files under TMPDIR");
            var clock = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            bool exited = p.WaitForExit(15_000);
            if (!exited) p.Kill(entireProcessTree: true);
            Assert.True(exited, "still running 15 s after SIGINT");
            Assert.True(clock.Elapsed.TotalSeconds < 10, $"took {clock.Elapsed.TotalSeconds:F1} s to stop");
            Assert.Equal(130, p.ExitCode);
            Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "partial stems were left: " + string.Join(", ", Directory.EnumerateFileSystemEntries(outDir)));
            Assert.Empty(Directory.EnumerateFileSystemEntries(tmp));
            lock (stderr) Assert.Contains("cancelled", stderr.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }
}
