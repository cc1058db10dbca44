using System.Text.Json;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Conformance.Dsp;

/// <summary>
/// <c>kind: dsp-resample</c>, three layouts: <c>scipy.signal.resample_poly</c> (<c>params.up/down</c>: outputs <c>y</c>
/// and <c>filter</c>); torchaudio/julius sinc resampling (<c>params.torchaudio_*</c>/<c>julius_*</c>: one output per
/// configuration plus optional <c>*_kernel</c> matrices); pystoi's Octave resampler (<c>cases</c>: <c>window_&lt;fs&gt;</c>
/// and <c>y_&lt;fs&gt;</c>). Computed in double precision.
/// </summary>
internal sealed class DspResampleHandler : IFixtureHandler
{
    public string Name => "dsp-resample";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "dsp-resample";

    public void Run(Fixture fixture, FixtureReport report)
    {
        var cfg = fixture.Config;
        if (cfg.TryGetProperty("cases", out var cases) && cases.ValueKind == JsonValueKind.Array)
        {
            RunOctave(fixture, report, cases);
            return;
        }
        var p = fixture.Hyper;
        if (DspConfig.Int(p, "up") is not null && DspConfig.Int(p, "down") is not null)
            RunPoly(fixture, report, p);
        else
            RunSinc(fixture, report, p);
    }

    private static void RunPoly(Fixture fixture, FixtureReport report, JsonElement p)
    {
        int up = DspConfig.Int(p, "up")!.Value, down = DspConfig.Int(p, "down")!.Value;
        var pad = DspConfig.String(p, "padtype") ?? "constant";
        if (pad != "constant") { report.Fail("y", $"padtype '{pad}' is not supported (only 'constant')."); return; }
        double beta = 5.0;
        if (p.TryGetProperty("window", out var w))
        {
            if (w.ValueKind == JsonValueKind.Array && w.GetArrayLength() == 2 && w[0].GetString() == "kaiser") beta = w[1].GetDouble();
            else if (w.ValueKind == JsonValueKind.String && w.GetString()!.Contains(".npy"))
            {
                RunPolyCustom(fixture, report, up, down, fixture.Npy(w.GetString()!).ToDoubleArray());
                return;
            }
            else { report.Fail("y", $"window {w} is not supported (Kaiser or a .npy filter)."); return; }
        }
        var r = Resampler.ResamplePoly(up, down, beta);
        var x = fixture.Array("inputs", "x").ToDoubleArray();
        foreach (var name in fixture.Names("outputs"))
        {
            var exp = fixture.Array("outputs", name).ToDoubleArray();
            if (name == "filter") report.Compare(name, r.Filter ?? [], exp, DspConfig.ToleranceOf(fixture, name));
            else report.Compare(name, r.Process(x), exp, DspConfig.ToleranceOf(fixture, name));
        }
    }

    private static void RunPolyCustom(Fixture fixture, FixtureReport report, int up, int down, double[] filter)
    {
        var x = fixture.Array("inputs", "x").ToDoubleArray();
        var r = Resampler.ResamplePoly(up, down, filter);
        foreach (var name in fixture.Names("outputs"))
            if (name != "filter")
                report.Compare(name, r.Process(x), fixture.Array("outputs", name).ToDoubleArray(), DspConfig.ToleranceOf(fixture, name));
    }

    private static void RunSinc(Fixture fixture, FixtureReport report, JsonElement p)
    {
        int fin = DspConfig.Int(p, "fs_in") ?? throw new InvalidDataException("params.fs_in is missing.");
        int fout = DspConfig.Int(p, "fs_out") ?? throw new InvalidDataException("params.fs_out is missing.");
        var x = fixture.Array("inputs", "x").ToDoubleArray();
        fixture.Config.TryGetProperty("output_lengths", out var lengths);
        foreach (var name in fixture.Names("outputs"))
        {
            bool isKernel = name.EndsWith("_kernel", StringComparison.Ordinal);
            var key = isKernel ? name[..^"_kernel".Length] : name;
            // a kernel file may be named after the family ("julius_kernel") rather than the configuration ("julius_default")
            if (!p.TryGetProperty(key, out var conf))
            {
                var match = p.EnumerateObject().FirstOrDefault(o => o.Value.ValueKind == JsonValueKind.Object && o.Name.StartsWith(key + "_", StringComparison.Ordinal));
                if (match.Value.ValueKind != JsonValueKind.Object) { report.Fail(name, $"no parameters for '{key}' under params."); continue; }
                key = match.Name;
                conf = match.Value;
            }
            Resampler r;
            int? explicitLength = DspConfig.Int(lengths, key);
            if (key.StartsWith("julius", StringComparison.Ordinal))
            {
                bool full = DspConfig.Bool(conf, "full") ?? false;
                var probe = Resampler.Julius(fin, fout, DspConfig.Int(conf, "zeros") ?? 24, DspConfig.Double(conf, "rolloff") ?? 0.945, full);
                full |= explicitLength is { } el && el > probe.OutputLength(x.Length);
                r = full ? Resampler.Julius(fin, fout, DspConfig.Int(conf, "zeros") ?? 24, DspConfig.Double(conf, "rolloff") ?? 0.945, true) : probe;
            }
            else
            {
                var method = DspConfig.String(conf, "resampling_method") ?? "sinc_interpolation";
                var window = method.Contains("kaiser", StringComparison.Ordinal) ? SincWindow.Kaiser : SincWindow.Hann;
                r = Resampler.TorchAudio(fin, fout, DspConfig.Int(conf, "lowpass_filter_width") ?? 6, DspConfig.Double(conf, "rolloff") ?? 0.99,
                    window, DspConfig.Double(conf, "beta"));
            }
            var expT = fixture.Array("outputs", name);
            var exp = expT.ToDoubleArray();
            double[] got;
            if (isKernel) got = Enumerable.Range(0, r.Phases).SelectMany(r.Kernel).ToArray();
            else
            {
                got = r.Process(x);
                if (got.Length > exp.Length && explicitLength == exp.Length) got = got[..exp.Length];
            }
            report.Compare(name, got, exp, DspConfig.ToleranceOf(fixture, name));
        }
    }

    private static void RunOctave(Fixture fixture, FixtureReport report, JsonElement cases)
    {
        foreach (var c in cases.EnumerateArray())
        {
            int fin = c.GetProperty("fs_in").GetInt32(), fout = DspConfig.Int(c, "fs_out") ?? 10000;
            var outputs = fixture.Names("outputs");
            if (outputs.Contains($"window_{fin}"))
                report.Compare($"window_{fin}", Resampler.OctaveWindow(fout, fin), fixture.Array("outputs", $"window_{fin}").ToDoubleArray(),
                    DspConfig.ToleranceOf(fixture, $"window_{fin}"));
            if (outputs.Contains($"y_{fin}"))
            {
                var x = fixture.Array("inputs", $"x_{fin}").ToDoubleArray();
                report.Compare($"y_{fin}", Resampler.Octave(fin, fout).Process(x), fixture.Array("outputs", $"y_{fin}").ToDoubleArray(),
                    DspConfig.ToleranceOf(fixture, $"y_{fin}"));
            }
        }
    }
}
