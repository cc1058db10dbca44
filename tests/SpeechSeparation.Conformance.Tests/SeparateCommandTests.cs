using static SpeechSeparation.Conformance.Tests.CliRun;
using System.Text.Json.Nodes;
using SpeechSeparation.Cli.Commands;
using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Signal;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Conformance.Tests;

public class SeparateCommandTests
{
    [Fact]
    public void GlobPatternsExpandToTheMatchingFilesOnly()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-glob").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "sub", "deeper"));
            foreach (var f in new[] { "a.wav", "b1.wav", "notes.txt", "sub/c.wav", "sub/deeper/d.wav" })
                File.WriteAllText(Path.Combine(dir, f), "");
            string P(string f) => Path.Combine(dir, f);
            Assert.Equal([P("a.wav"), P("b1.wav")], Cli.InputGlob.Expand(P("*.wav")));
            Assert.Equal([P("a.wav")], Cli.InputGlob.Expand(P("?.wav")));
            Assert.Equal([P("a.wav"), P("b1.wav"), P("sub/c.wav"), P("sub/deeper/d.wav")], Cli.InputGlob.Expand(P("**/*.wav")));
            Assert.Equal([P("sub/c.wav")], Cli.InputGlob.Expand(P("s*/*.wav")));
            Assert.Empty(Cli.InputGlob.Expand(P("*.flac")));
            Assert.True(Cli.InputGlob.IsPattern("x/*.wav"));
            Assert.False(Cli.InputGlob.IsPattern("x/a.wav"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SpeechBrainLayoutFolderWritesThreeSpeakers()
    {
        // The authors' 3-speaker repository layout (tiny random weights from the upstream code): config.json and the
        // three .ckpt files; the separated stems sum back to the mixture's scale under the default gain policy.
        var dir = Directory.CreateTempSubdirectory("speechsep-sb-cli").FullName;
        try
        {
            var src = TestPaths.Fixture("sb_mossformer2_3spk_tiny");
            var model = Path.Combine(dir, "model");
            Directory.CreateDirectory(model);
            foreach (var f in new[] { "encoder.ckpt", "masknet.ckpt", "decoder.ckpt" }) File.Copy(Path.Combine(src, f), Path.Combine(model, f));
            File.WriteAllText(Path.Combine(model, "config.json"), JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!["hyper"]!.ToJsonString());
            var tone = Enumerable.Range(0, 12345).Select(i => (float)(0.2 * Math.Sin(i * 0.1) + 0.1 * Math.Sin(i * 0.37))).ToArray();
            Wav.Write(Path.Combine(dir, "mix.wav"), AudioBuffer.FromMono(tone, 8000));
            var (code, stdout, err) = Run(new SeparateCommand(false), Path.Combine(dir, "mix.wav"), "--model", model, "--out", Path.Combine(dir, "out"));
            Assert.True(code == 0, err);
            foreach (var s in new[] { "mix_speaker1.wav", "mix_speaker2.wav", "mix_speaker3.wav" })
            {
                var stem = Wav.Read(Path.Combine(dir, "out", s));
                Assert.Equal((8000, 12345), (stem.SampleRate, stem.Frames));
                Assert.True(stem.Channel(0).ToArray().Any(v => v != 0), s + " is silent");
                Assert.Contains(s, stdout);
            }
            Assert.False(File.Exists(Path.Combine(dir, "out", "mix_speaker4.wav")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SeparatesWithTheEmbeddedDefaultModelWhenNoModelIsGiven()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-default-cli").FullName;
        try
        {
            var tone = Enumerable.Range(0, 8000).Select(i => (float)(0.2 * Math.Sin(i * 0.1) + 0.1 * Math.Sin(i * 0.37))).ToArray();
            Wav.Write(Path.Combine(dir, "mix.wav"), AudioBuffer.FromMono(tone, 8000));
            var (code, stdout, err) = Run(new SeparateCommand(false), Path.Combine(dir, "*.wav"), "--out", Path.Combine(dir, "out"));
            Assert.True(code == 0, err);
            foreach (var s in new[] { "mix_speaker1.wav", "mix_speaker2.wav" })
            {
                var stem = Wav.Read(Path.Combine(dir, "out", s));
                Assert.Equal((8000, 8000), (stem.SampleRate, stem.Frames));
            }
            Assert.Contains("mix_speaker2.wav", stdout);
            var (infoCode, info, _) = Run(new InfoCommand(), "default");
            Assert.Equal(0, infoCode);
            Assert.Contains("architecture: mossformer2", info);
            Assert.Contains("sample rate:  8000 Hz", info);
            Assert.Contains("parameters:   " + ModelCatalog.Find(DefaultModel.Id)!.Parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), info);
            var (enhanceCode, _, enhanceErr) = Run(new SeparateCommand(true), Path.Combine(dir, "mix.wav"));
            Assert.Equal(2, enhanceCode);                                // enhance has no default model
            Assert.Contains("--model", enhanceErr);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SeparatesAFolderIntoOneFilePerSpeakerAndRefusesToOverwrite()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-cli").FullName;
        try
        {
            var model = Path.Combine(dir, "model");
            torch.manual_seed(1);
            using (var m = new SimpleSeparator(new SimpleSeparatorConfig(64, 8)))
                ModelPackage.Save(model, "sb_simpleseparator", 8000, new JsonObject { ["fft_size"] = 64, ["hidden_size"] = 8 }, m);
            var input = Path.Combine(dir, "in");
            Directory.CreateDirectory(input);
            var tone = Enumerable.Range(0, 12000).Select(i => (float)(0.2 * Math.Sin(i * 0.1))).ToArray();
            Wav.Write(Path.Combine(input, "a.wav"), AudioBuffer.FromMono(tone, 16000));
            var outDir = Path.Combine(dir, "out");

            var (code, stdout, _) = Run(new SeparateCommand(false), input, "--model", model, "--out", outDir, "--format", "float32");
            Assert.Equal(0, code);
            foreach (var s in new[] { "a_speaker1.wav", "a_speaker2.wav" })
            {
                var path = Path.Combine(outDir, s);
                Assert.Contains(path, stdout);
                var audio = Wav.Read(path);
                Assert.Equal(16000, audio.SampleRate);
                Assert.Equal(12000, audio.Frames);
            }
            Assert.Equal(1, Run(new SeparateCommand(false), input, "--model", model, "--out", outDir).Code);      // exists: no overwrite
            Assert.Equal(0, Run(new SeparateCommand(false), input, "--model", model, "--out", outDir, "--overwrite").Code);
            Assert.Equal(2, Run(new SeparateCommand(true), input).Code);                                        // enhance: no --model
            Assert.Equal(2, Run(new SeparateCommand(false), input, "--model", model, "--format", "ogg").Code);      // not an output format

            // --format flac: the same 16-bit samples as the WAV output, losslessly; pcm24 as --format (older spelling) is WAV.
            var flac = Run(new SeparateCommand(false), input, "--model", model, "--out", Path.Combine(dir, "flac"));
            Assert.Equal(0, flac.Code);
            Assert.Equal(0, Run(new SeparateCommand(false), input, "--model", model, "--out", Path.Combine(dir, "flac"), "--format", "flac").Code);
            foreach (var s in new[] { "a_speaker1", "a_speaker2" })
                PcmAssert.SameSamples(Wav.Read(Path.Combine(dir, "flac", s + ".wav")).Channel(0).ToArray(),
                                      Audio.AudioFile.Read(Path.Combine(dir, "flac", s + ".flac")).Channel(0).ToArray());
            Assert.Equal(0, Run(new SeparateCommand(false), input, "--model", model, "--out", Path.Combine(dir, "p24"), "--format", "pcm24").Code);
            Assert.Equal(24, Wav.ReadInfo(Path.Combine(dir, "p24", "a_speaker1.wav")).Format.BitsPerSample);
            // A missing encoder is named before any work, and nothing is written.
            var missing = Assert.Throws<NotSupportedException>(() =>
                Run(new SeparateCommand(false), input, "--model", model, "--out", Path.Combine(dir, "none"), "--format", "mp3", "--ffmpeg", "/nonexistent/ffmpeg"));
            Assert.Contains("MP3 needs ffmpeg", missing.Message);
            Assert.Contains("/nonexistent/ffmpeg", missing.Message);
            Assert.False(Directory.Exists(Path.Combine(dir, "none")));
            Assert.Equal(2, Run(new SeparateCommand(false), Path.Combine(dir, "missing.wav"), "--model", model).Code);
            var info = Run(new InfoCommand(), model);
            Assert.Equal(0, info.Code);
            Assert.Contains("sb_simpleseparator", info.Out);
            Assert.Contains("8000 Hz", info.Out);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void PrecisionBf16RunsAMossFormer2PackageAndIsRefusedByName()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-cli-bf16").FullName;
        try
        {
            var model = Path.Combine(dir, "model");
            var hyper = new JsonObject { ["in_channels"] = 16, ["out_channels"] = 16, ["num_blocks"] = 1, ["kernel_size"] = 16, ["num_spks"] = 2 };
            torch.manual_seed(2);
            using (var m = new MossFormer2Separator(MossFormer2Config.FromJson(System.Text.Json.JsonDocument.Parse(hyper.ToJsonString()).RootElement)))
                ModelPackage.Save(model, "mossformer2", 8000, hyper, m);
            var tone = Enumerable.Range(0, 9000).Select(i => (float)(0.2 * Math.Sin(i * 0.05) + 0.1 * Math.Sin(i * 0.31))).ToArray();
            var wav = Path.Combine(dir, "a.wav");
            Wav.Write(wav, AudioBuffer.FromMono(tone, 8000));
            var outDir = Path.Combine(dir, "out");
            var (code, _, err) = Run(new SeparateCommand(false), wav, "--model", model, "--out", outDir, "--format", "float32", "--precision", "bf16");
            Assert.True(code == 0, err);
            foreach (var stem in new[] { "a_speaker1.wav", "a_speaker2.wav" })
            {
                var audio = Wav.Read(Path.Combine(outDir, stem));
                Assert.Equal(9000, audio.Frames);
                Assert.Contains(audio.Channel(0).ToArray(), v => v != 0);
            }
            var bad = Run(new SeparateCommand(false), wav, "--model", model, "--precision", "fp16");
            Assert.Equal(2, bad.Code);
            Assert.Contains("fp16", bad.Err);

            var baseline = Path.Combine(dir, "baseline");
            using (var m = new SimpleSeparator(new SimpleSeparatorConfig(64, 8)))
                ModelPackage.Save(baseline, "sb_simpleseparator", 8000, new JsonObject { ["fft_size"] = 64, ["hidden_size"] = 8 }, m);
            var e = Assert.Throws<NotSupportedException>(() => Run(new SeparateCommand(false), wav, "--model", baseline, "--out", outDir, "--precision", "bf16", "--overwrite"));
            Assert.Contains("sb_simpleseparator", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ModelsListsTheCatalogue()
    {
        var (code, stdout, _) = Run(new ModelsCommand());
        Assert.Equal(0, code);
        foreach (var e in ModelCatalog.All) Assert.Contains(e.Id, stdout);
        Assert.Contains("42,101,850", stdout);
        Assert.Contains("load: hf:alibabasglab/MossFormer2_SS_16K", stdout);
        Assert.Contains("load: modelscope:damo/speech_frcrn_ans_cirm_16k", stdout);
    }
}

public class BenchCommandTests
{
    [Fact]
    public void BenchReportsARealTimeFactorForARandomlyInitialisedArchitecture()
    {
        var o = new StringWriter();
        int code = new BenchCommand().Run(["--arch", "sb_simpleseparator", "--config", """{"fft_size": 64, "hidden_size": 8}""", "--seconds", "0.5", "--runs", "1"], o, new StringWriter());
        Assert.Equal(0, code);
        Assert.Matches(@"real-time factor \d+\.\d{3}", o.ToString());
        Assert.Equal(2, new BenchCommand().Run([], new StringWriter(), new StringWriter()));
        Assert.Equal(2, new BenchCommand().Run(["--arch", "x", "--runs", "0"], new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void BenchRunsARandomMossFormer2InBFloat16()
    {
        var o = new StringWriter();
        int code = new BenchCommand().Run(["--arch", "mossformer2", "--config", """{"in_channels": 16, "out_channels": 16, "num_blocks": 1, "num_spks": 2}""", "--seconds", "0.5", "--runs", "1", "--precision", "bf16"], o, new StringWriter());
        Assert.Equal(0, code);
        Assert.Contains("bfloat16", o.ToString());
        Assert.Matches(@"real-time factor \d+\.\d{3}", o.ToString());
        Assert.Equal(2, new BenchCommand().Run(["--arch", "mossformer2", "--precision", "int8"], new StringWriter(), new StringWriter()));
    }
}
