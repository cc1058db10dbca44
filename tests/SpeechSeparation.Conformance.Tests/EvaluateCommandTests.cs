using System.Globalization;
using SpeechSeparation.Cli.Commands;
using SpeechSeparation.Evaluation;
using SpeechSeparation.Signal;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Conformance.Tests;

/// <summary><c>speechsep evaluate</c> in its two modes: estimate files, and a model run on the mixtures.</summary>
public class EvaluateCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("speechsep-evaluate").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = new EvaluateCommand().Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void ScoresEstimateFilesAndAModelRunOverTheSameFolders()
    {
        // Two mixtures of two real voices (8 kHz, 2 s); estimates = each source plus a tenth of the other.
        string data = Path.Combine(_root, "data"), est = Path.Combine(_root, "est");
        var expected = new List<double>();
        for (int u = 0; u < 2; u++)
        {
            var a = RealSpeech.Voice(RealSpeech.EnglishFemale, 2, seed: u);
            var b = RealSpeech.Voice(RealSpeech.ItalianMale, 2, seed: 10 + u);
            var e1 = a.Zip(b, (x, y) => x + 0.1f * y).ToArray();
            var e2 = b.Zip(a, (x, y) => x + 0.1f * y).ToArray();
            string name = $"u{u}.wav";
            foreach (var (dir, x) in new[] { ("data/mix", a.Zip(b, (x, y) => x + y).ToArray()), ("data/s1", a), ("data/s2", b), ("est/s1", e1), ("est/s2", e2) })
            {
                Directory.CreateDirectory(Path.Combine(_root, dir));
                Wav.Write(Path.Combine(_root, dir, name), AudioBuffer.FromMono(x, 8000), WavSampleFormat.Float32);
            }
            expected.Add((ScaleInvariantSnr.Compute(a, e1) + ScaleInvariantSnr.Compute(b, e2)) / 2);
        }

        var files = Run("--data", data, "--estimates", est, "--metrics", "si_snr,si_snri", "--out", Path.Combine(_root, "files"), "--quiet");
        Assert.True(files.Code == 0, files.Err);
        var rows = File.ReadAllLines(Path.Combine(_root, "files", "results.csv"));
        Assert.Equal("id,si_snr,si_snri,error", rows[0]);
        for (int u = 0; u < 2; u++)
            Assert.Equal(expected[u], double.Parse(rows[1 + u].Split(',')[1], CultureInfo.InvariantCulture), 6);

        string report = Path.Combine(_root, "model", "report.html");
        var model = Run("--data", data, "--model", "default", "--metrics", "si_snr,si_snri", "--out", Path.Combine(_root, "model"), "--report", report, "--quiet");
        Assert.True(model.Code == 0, model.Err);
        var modelRows = File.ReadAllLines(Path.Combine(_root, "model", "results.csv"));
        Assert.Equal(3, modelRows.Length);
        Assert.All(modelRows[1..], r => Assert.True(double.IsFinite(double.Parse(r.Split(',')[1], CultureInfo.InvariantCulture))));
        // The model's estimates are written under OUT/estimates (the folder layout --estimates reads), never into the data,
        // and scoring them as files gives the model run's numbers again.
        foreach (var s in new[] { "s1", "s2" })
            foreach (var u in new[] { "u0.wav", "u1.wav" })
                Assert.True(File.Exists(Path.Combine(_root, "model", "estimates", s, u)), $"{s}/{u}");
        Assert.Equal(3, Directory.GetDirectories(data).Length);
        var rescored = Run("--data", data, "--estimates", Path.Combine(_root, "model", "estimates"), "--metrics", "si_snr,si_snri", "--out", Path.Combine(_root, "rescored"), "--quiet");
        Assert.True(rescored.Code == 0, rescored.Err);
        var rescoredRows = File.ReadAllLines(Path.Combine(_root, "rescored", "results.csv"));
        for (int u = 1; u <= 2; u++)
            Assert.Equal(double.Parse(modelRows[u].Split(',')[1], CultureInfo.InvariantCulture), double.Parse(rescoredRows[u].Split(',')[1], CultureInfo.InvariantCulture), 5);
        // The report shows every estimate beside the reference it was matched to, with its player.
        string html = File.ReadAllText(report);
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(html, "<div class=\"sig\" data-role=\"estimate\" data-reference=\"[12]\" data-estimate=\"[12]\"><b>estimate [12]</b><div class=\"file\">s[12]/u[01].wav</div><img [^>]+><audio controls").Count);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(html, "<img alt=\"distribution of si_snr \\(dB\\), n = 2\"").Count + System.Text.RegularExpressions.Regex.Matches(html, "<img alt=\"distribution of si_snri \\(dB\\), n = 2\"").Count);
        // --format is for the estimates of a model run; a missing encoder is named.
        Assert.Equal(2, Run("--data", data, "--estimates", est, "--format", "flac").Code);
        var noEncoder = Assert.Throws<NotSupportedException>(() => Run("--data", data, "--model", "default", "--out", Path.Combine(_root, "flac"), "--format", "flac", "--ffmpeg", "/nonexistent/ffmpeg", "--quiet"));
        Assert.Contains("FLAC needs ffmpeg", noEncoder.Message);

        Assert.Equal(2, Run("--data", data, "--estimates", est, "--model", "default").Code);   // one mode at a time
        Assert.Equal(2, Run("--data", data).Code);
    }
}
