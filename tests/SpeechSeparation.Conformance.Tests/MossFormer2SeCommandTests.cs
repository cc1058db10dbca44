using SpeechSeparation.Cli.Commands;
using SpeechSeparation.Serialization;
using SpeechSeparation.Signal;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Conformance.Tests;

/// <summary><c>speechsep enhance --model DIR</c> and <c>check-fixture</c> with ClearerVoice's MossFormer2_SE_48K.</summary>
public class MossFormer2SeCommandTests
{
    [Fact]
    public void EnhanceWritesTheEnhancedFileFromACheckpointFolder()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-se48k-cli").FullName;
        try
        {
            var model = Path.Combine(dir, "MossFormer2_SE_48K");
            Directory.CreateDirectory(model);
            var sd = StateDict.Load(TestPaths.Fixture("clearvoice_mossformer2_se_48k_pipeline", "state_dict.pt"));
            TorchCheckpoint.Save(Path.Combine(model, "last_best_checkpoint.pt"), new Dictionary<string, object?> { ["model"] = sd });
            File.WriteAllText(Path.Combine(model, "last_best_checkpoint"), "last_best_checkpoint.pt");
            var noisy = Enumerable.Range(0, 20000).Select(i => (float)(0.3 * Math.Sin(i * 0.05) + 0.05 * Math.Sin(i * 1.3))).ToArray();
            Wav.Write(Path.Combine(dir, "noisy.wav"), AudioBuffer.FromMono(noisy, 16000));
            var o = new StringWriter();
            var e = new StringWriter();
            int code = new SeparateCommand(true).Run([Path.Combine(dir, "noisy.wav"), "--model", model, "--out", Path.Combine(dir, "out")], o, e);
            Assert.True(code == 0, e.ToString());
            var written = Wav.Read(Path.Combine(dir, "out", "noisy_enhanced.wav"));
            Assert.Equal(16000, written.SampleRate);
            Assert.Equal(noisy.Length, written.Frames);
            // --format flac writes noisy_enhanced.flac holding the same 16-bit samples.
            code = new SeparateCommand(true).Run([Path.Combine(dir, "noisy.wav"), "--model", model, "--out", Path.Combine(dir, "out"), "--format", "flac"], o, e);
            Assert.True(code == 0, e.ToString());
            PcmAssert.SameSamples(written.Channel(0).ToArray(), Audio.AudioFile.Read(Path.Combine(dir, "out", "noisy_enhanced.flac")).Channel(0).ToArray());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("clearvoice_mossformer2_se_48k_fbank")]
    [InlineData("clearvoice_mossformer2_se_48k_pipeline")]
    public void CheckFixturePasses(string fixture)
    {
        var o = new StringWriter();
        int code = new CheckFixtureCommand().Run([TestPaths.Fixture(fixture)], o, new StringWriter());
        Assert.True(code == 0, o.ToString());
        Assert.Contains("PASS", o.ToString());
    }
}
