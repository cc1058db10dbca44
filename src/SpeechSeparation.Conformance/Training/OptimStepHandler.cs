using System.Globalization;
using System.Text.Json;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using SpeechSeparation.Training;

namespace SpeechSeparation.Conformance.Training;

/// <summary>
/// <c>kind: optim-step</c>: builds the named <c>torch.optim</c> optimiser (Adam, AdamW, SGD) from <c>kwargs</c> over
/// parameters initialised from <c>param{i}_init.npy</c> (in the fixture's dtype), then for each step sets the gradients
/// from <c>grad_step{t}_param{i}.npy</c> (a missing file leaves the gradient unset), clips them by global norm when
/// <c>clip_grad_norm</c> is given (comparing the returned norm with <c>total_norms_before_clip</c>), steps, and compares
/// every <c>param{i}_after_step{t}.npy</c>.
/// </summary>
internal sealed class OptimStepHandler : IFixtureHandler
{
    public string Name => "optim-step";

    public bool CanHandle(Fixture fixture) => fixture.Kind == "optim-step";

    public void Run(Fixture fixture, FixtureReport report)
    {
        var cfg = fixture.Config;
        string name = cfg.GetProperty("optimizer").GetString()!;
        var kwargs = cfg.TryGetProperty("kwargs", out var k) && k.ValueKind == JsonValueKind.Object ? k : default;
        int steps = cfg.GetProperty("steps").GetInt32();
        var dtype = cfg.TryGetProperty("dtype", out var dt) && dt.ValueKind == JsonValueKind.String ? ScalarTypeInfo.Parse(dt.GetString()!).ToTorch() : ScalarType.Float32;
        int count = cfg.TryGetProperty("param_shapes", out var shapes) ? shapes.GetArrayLength() : CountInits(fixture);
        double? clip = cfg.TryGetProperty("clip_grad_norm", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDouble() : null;
        double normType = cfg.TryGetProperty("norm_type", out var nt) && nt.ValueKind == JsonValueKind.Number ? nt.GetDouble() : 2.0;
        var expectedNorms = cfg.TryGetProperty("total_norms_before_clip", out var tn) && tn.ValueKind == JsonValueKind.Array
            ? tn.EnumerateArray().Select(x => x.GetDouble()).ToArray() : [];
        var tol = fixture.ToleranceFor("param");

        var parameters = new List<Parameter>();
        try
        {
            using (var scope = torch.NewDisposeScope())
                for (int i = 0; i < count; i++)
                    parameters.Add((Parameter)new Parameter(HostTensors.ToTensor(fixture.Npy(Inv($"param{i}_init.npy"))).to(dtype)).DetachFromDisposeScope());
            using var optimizer = Create(name, parameters, kwargs);
            var norms = new List<double>();
            for (int t = 0; t < steps; t++)
            {
                for (int i = 0; i < count; i++)
                {
                    var file = Inv($"grad_step{t}_param{i}.npy");
                    if (!File.Exists(fixture.PathOf(file))) { parameters[i].grad = null; continue; }
                    using var g = HostTensors.ToTensor(fixture.Npy(file)).to(dtype).DetachFromDisposeScope();
                    parameters[i].grad = g;
                }
                if (clip is { } maxNorm) norms.Add(GradientClipping.ClipGradNorm(parameters, maxNorm, normType));
                optimizer.Step();
                for (int i = 0; i < count; i++)
                {
                    var expected = fixture.Npy(Inv($"param{i}_after_step{t}.npy"));
                    report.Compare(Inv($"param{i}_after_step{t}"), parameters[i].ToDoubleArray(), expected.ToDoubleArray(), tol);
                }
            }
            if (clip is not null && expectedNorms.Length > 0)
                report.Compare("total_norms_before_clip", norms.ToArray(), expectedNorms, tol);
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }

    private static int CountInits(Fixture f)
    {
        int n = 0;
        while (File.Exists(f.PathOf(Inv($"param{n}_init.npy")))) n++;
        return n;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Builds the optimiser named as in torch (<c>torch.optim.Adam</c>…) from its keyword arguments.</summary>
    internal static Optimizer Create(string name, IEnumerable<Parameter> parameters, JsonElement kwargs)
    {
        double D(string key, double dflt) => kwargs.ValueKind == JsonValueKind.Object && kwargs.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : dflt;
        bool B(string key, bool dflt) => kwargs.ValueKind == JsonValueKind.Object && kwargs.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : dflt;
        (double, double) Betas()
        {
            if (kwargs.ValueKind == JsonValueKind.Object && kwargs.TryGetProperty("betas", out var b) && b.ValueKind == JsonValueKind.Array)
                return (b[0].GetDouble(), b[1].GetDouble());
            return (0.9, 0.999);
        }
        var shortName = name.Split('.')[^1];
        return shortName switch
        {
            "Adam" => new Adam(parameters, D("lr", 1e-3), Betas(), D("eps", 1e-8), D("weight_decay", 0), B("amsgrad", false), B("maximize", false)),
            "AdamW" => new AdamW(parameters, D("lr", 1e-3), Betas(), D("eps", 1e-8), D("weight_decay", 1e-2), B("amsgrad", false), B("maximize", false)),
            "SGD" => new SGD(parameters, D("lr", double.NaN) is var lr && double.IsNaN(lr) ? throw new InvalidDataException("SGD needs kwargs.lr.") : lr,
                D("momentum", 0), D("dampening", 0), D("weight_decay", 0), B("nesterov", false), B("maximize", false)),
            _ => throw new NotSupportedException($"Optimizer '{name}' is not implemented (Adam, AdamW and SGD are)."),
        };
    }
}
