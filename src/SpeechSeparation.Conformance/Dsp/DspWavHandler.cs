using SpeechSeparation.Signal;

namespace SpeechSeparation.Conformance.Dsp;

/// <summary>
/// <c>kind: dsp-wav</c>: every listed WAV file is read (exact double decoding) and compared with
/// <c>&lt;stem&gt;_decoded.npy</c> <c>[frames, channels]</c> and <c>&lt;stem&gt;_mono.npy</c> (channel mean); its rate,
/// channel count and frame count with the config; entries with <c>expected: "error"</c> must raise
/// <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class DspWavHandler : IFixtureHandler
{
    public string Name => "dsp-wav";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "dsp-wav";

    public void Run(Fixture fixture, FixtureReport report)
    {
        foreach (var f in fixture.Config.GetProperty("files").EnumerateArray())
        {
            var file = f.GetProperty("file").GetString()!;
            var stem = Path.GetFileNameWithoutExtension(file);
            var path = fixture.PathOf(file);
            if (DspConfig.String(f, "expected") == "error")
            {
                try
                {
                    Wav.ReadDouble(path, out _);
                    report.Fail(stem, "expected an InvalidDataException, but the file loaded");
                }
                catch (InvalidDataException e)
                {
                    report.Add(new OutputCheck(stem, 0, 0, true, $"raised InvalidDataException: {e.Message}"));
                }
                continue;
            }
            double[] data;
            WavFormat format;
            try
            {
                data = Wav.ReadDouble(path, out format);
            }
            catch (InvalidDataException e)
            {
                report.Fail(stem, $"InvalidDataException: {e.Message}");
                continue;
            }
            int ch = format.Channels, frames = data.Length / ch;
            var header = new List<long>();
            var expectedHeader = new List<long>();
            foreach (var (key, value) in new[] { ("sample_rate", format.SampleRate), ("channels", ch), ("frames", frames) })
                if (DspConfig.Int(f, key) is { } e) { header.Add(value); expectedHeader.Add(e); }
            if (header.Count > 0) report.CompareExact($"{stem} [rate, channels, frames]", header.ToArray(), expectedHeader.ToArray());
            var decodedFile = stem + "_decoded.npy";
            if (File.Exists(fixture.PathOf(decodedFile)))
                report.Compare(stem + "_decoded", data, fixture.Npy(decodedFile).ToDoubleArray(), DspConfig.ToleranceOf(fixture, stem + "_decoded"));
            var monoFile = stem + "_mono.npy";
            if (File.Exists(fixture.PathOf(monoFile)))
            {
                var mono = new double[frames];
                for (int t = 0; t < frames; t++)
                {
                    double s = 0;
                    for (int c = 0; c < ch; c++) s += data[t * ch + c];
                    mono[t] = s / ch;
                }
                report.Compare(stem + "_mono", mono, fixture.Npy(monoFile).ToDoubleArray(), DspConfig.ToleranceOf(fixture, stem + "_mono"));
            }
        }
    }
}
