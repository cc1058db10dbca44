using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation;

/// <summary>
/// An <see cref="ISeparationNetwork"/> over any module: loads the spec's weights strictly, switches to eval mode, moves
/// to the device, converts to the spec's precision, and runs a function mapping mixtures [B, T] to sources [B, S, T]
/// inside a dispose scope (mixtures converted to the precision first, sources back to float32).
/// </summary>
internal sealed class ModuleNetwork : ISeparationNetwork
{
    private readonly torch.nn.Module _module;
    private readonly Func<Tensor, Tensor> _run;
    private readonly ScalarType _dtype;

    public ModuleNetwork(string name, torch.nn.Module module, NetworkSpec spec, int sources, Func<Tensor, Tensor> run, int defaultRate = 8000, IReadOnlyList<string>? sourceNames = null)
    {
        Architecture = name;
        _module = module;
        _run = run;
        try
        {
            _dtype = spec.ScalarType;
            module.LoadStateDict(spec.Weights);
            module.eval();
            module.to(spec.Device);
            if (_dtype != ScalarType.Float32) module.to(_dtype);
        }
        catch
        {
            module.Dispose();
            throw;
        }
        SampleRate = spec.SampleRate ?? defaultRate;
        SourceNames = sourceNames ?? Enumerable.Range(1, sources).Select(i => $"speaker{i}").ToArray();
        Device = spec.Device;
    }

    public string Architecture { get; }
    public int SampleRate { get; }
    public IReadOnlyList<string> SourceNames { get; }
    public long ParameterCount => _module.ParameterCount();
    public Device Device { get; }

    public Tensor Separate(Tensor mixtures)
    {
        using var scope = torch.NewDisposeScope();
        if (_dtype == ScalarType.Float32) return _run(mixtures).MoveToOuterDisposeScope();
        return _run(mixtures.to(_dtype)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose() => _module.Dispose();
}
