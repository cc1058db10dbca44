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

        var model = Run("--data", data, "--model", "default", "--metrics", "si_snr,si_snri", "--out", Path.Combine(_root, "model"), "--quiet");
        Assert.True(model.Code == 0, model.Err);
        var modelRows = File.ReadAllLines(Path.Combine(_root, "model", "results.csv"));
        Assert.Equal(3, modelRows.Length);
        Assert.All(modelRows[1..], r => Assert.True(double.IsFinite(double.Parse(r.Split(',')[1], CultureInfo.InvariantCulture))));

        Assert.Equal(2, Run("--data", data, "--estimates", est, "--model", "default").Code);   // one mode at a time
        Assert.Equal(2, Run("--data", data).Code);
    }
}
