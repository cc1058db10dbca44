using System.Text.RegularExpressions;

namespace SpeechSeparation.Conformance;

/// <summary>
/// Where a fixture intermediate comes from: the output (or, with <see cref="OfInput"/>, the input) of the sub-module at
/// <see cref="Module"/>, a dotted path as <c>named_modules()</c> lists it relative to the module under test ("" = that
/// module itself). A path may hold <c>{i}</c> for a layer index (e.g. <c>layers.{i}</c>); the intermediate's name then
/// holds <c>{i}</c> too (e.g. <c>block{i}_out</c>) and names one intermediate per matching sub-module.
/// <see cref="Select"/>, when given, picks what is recorded from the tensor (a part of it, or upstream's layout).
/// </summary>
/// <param name="Module">Path of the sub-module.</param>
/// <param name="OfInput">Record the sub-module's (tensor) input instead of its output.</param>
/// <param name="Select">Applied to the tensor before it is recorded.</param>
public sealed record Intermediate(string Module, bool OfInput = false, Func<Tensor, Tensor>? Select = null)
{
    /// <summary>The output of the sub-module at <paramref name="module"/>.</summary>
    public static implicit operator Intermediate(string module) => new(module);

    /// <summary>The output of the sub-module at <paramref name="module"/>.</summary>
    public static Intermediate OutputOf(string module) => new(module);

    /// <summary>The input of the sub-module at <paramref name="module"/> (a module taking one tensor).</summary>
    public static Intermediate InputOf(string module) => new(module, OfInput: true);

    /// <summary>Part <paramref name="index"/> of <paramref name="count"/> equal chunks of the last dimension.</summary>
    public Intermediate Chunk(int index, int count) => this with { Select = t => t.chunk(count, -1)[index] };

    /// <summary>This intermediate transformed by <paramref name="select"/> (e.g. into upstream's layout).</summary>
    public Intermediate Then(Func<Tensor, Tensor> select) => this with { Select = select };
}

/// <summary>
/// A table "fixture intermediate name → <see cref="Intermediate"/>" for one kind of module under test. Entries are
/// added as <c>{ "name", "module.path" }</c> pairs, and whole tables of sub-modules with <see cref="Under"/>.
/// </summary>
public sealed class IntermediateMap : Dictionary<string, Intermediate>
{
    /// <summary>An empty table.</summary>
    public IntermediateMap() : base(StringComparer.Ordinal) { }

    /// <summary>Adds every entry of <paramref name="entries"/> (duplicate names are an error).</summary>
    public void Add(IntermediateMap entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (name, at) in entries) Add(name, at);
    }

    /// <summary>The same intermediates for a module that holds this table's module at <paramref name="path"/>.</summary>
    public IntermediateMap Under(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var map = new IntermediateMap();
        foreach (var (name, at) in this)
            map.Add(name, at with { Module = at.Module.Length == 0 ? path : $"{path}.{at.Module}" });
        return map;
    }
}

/// <summary>
/// Records named intermediates of a forward pass through TorchSharp forward hooks on the sub-modules a
/// <see cref="IntermediateMap"/> names: each time such a sub-module runs through <c>call</c> (not <c>forward</c>), its
/// output (or input) is copied — shape and values as float64 — under the intermediate's name; a later run of the same
/// sub-module replaces the copy. <see cref="Dispose"/> removes the hooks; the copies stay readable. Paths the module
/// does not have are skipped (the intermediate is then never produced).
/// </summary>
public sealed class IntermediateRecorder : IDisposable
{
    private readonly Dictionary<string, (long[] Shape, double[] Values)> _values = new(StringComparer.Ordinal);
    private readonly List<Action> _removers = [];
    private readonly List<string> _names = [];

    /// <summary>Attaches the hooks.</summary>
    /// <exception cref="NotSupportedException">A named sub-module's forward does not return one tensor, or an input is
    /// asked of a module that does not take one tensor.</exception>
    public IntermediateRecorder(torch.nn.Module root, IReadOnlyDictionary<string, Intermediate> intermediates)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(intermediates);
        var modules = new Dictionary<string, torch.nn.Module>(StringComparer.Ordinal) { [""] = root };
        foreach (var (path, module) in root.named_modules()) modules.TryAdd(path, module);
        var targets = new Dictionary<(string Path, bool OfInput), List<(string Name, Func<Tensor, Tensor>? Select)>>();
        foreach (var (name, at) in intermediates)
            foreach (var (path, resolved) in Resolve(name, at.Module, modules.Keys))
            {
                if (!targets.TryGetValue((path, at.OfInput), out var list)) targets[(path, at.OfInput)] = list = [];
                list.Add((resolved, at.Select));
                _names.Add(resolved);
            }
        try
        {
            foreach (var ((path, ofInput), names) in targets) _removers.Add(Attach(modules[path], path, ofInput, names));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The intermediates this recorder can record: the table's names whose sub-modules exist, <c>{i}</c>
    /// expanded.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>What has been recorded so far, by intermediate name.</summary>
    public IReadOnlyDictionary<string, (long[] Shape, double[] Values)> Values => _values;

    /// <summary>Removes the hooks (idempotent).</summary>
    public void Dispose()
    {
        foreach (var remove in _removers) remove();
        _removers.Clear();
    }

    /// <summary>The sub-module paths <paramref name="pattern"/> names, each with the intermediate name for it.</summary>
    private static IEnumerable<(string Path, string Name)> Resolve(string name, string pattern, IEnumerable<string> paths)
    {
        int at = pattern.IndexOf("{i}", StringComparison.Ordinal);
        if (at < 0)
        {
            if (paths.Contains(pattern)) yield return (pattern, name);
            yield break;
        }
        var regex = new Regex("^" + Regex.Escape(pattern[..at]) + @"(\d+)" + Regex.Escape(pattern[(at + 3)..]) + "$", RegexOptions.CultureInvariant);
        foreach (var path in paths)
            if (regex.Match(path) is { Success: true } m)
                yield return (path, name.Replace("{i}", m.Groups[1].Value, StringComparison.Ordinal));
    }

    private Action Attach(torch.nn.Module module, string path, bool ofInput, List<(string Name, Func<Tensor, Tensor>? Select)> names)
    {
        void Record(Tensor t)
        {
            using var scope = torch.NewDisposeScope();
            foreach (var (name, select) in names)
            {
                var v = select is null ? t : select(t);
                _values[name] = (v.shape, v.contiguous().ToDoubleArray());
            }
        }
        return (module, ofInput) switch
        {
            (torch.nn.Module<Tensor, Tensor> m, false) => m.register_forward_hook((_, _, output) => { Record(output); return null!; }).remove,
            (torch.nn.Module<Tensor, Tensor> m, true) => m.register_forward_pre_hook((_, input) => { Record(input); return null!; }).remove,
            (torch.nn.Module<(Tensor, Tensor), Tensor> m, false) => m.register_forward_hook((_, _, output) => { Record(output); return null!; }).remove,
            _ => throw new NotSupportedException(
                $"The {(ofInput ? "input" : "output")} of '{path}' ({module.GetType().Name}) cannot be recorded: only modules from one tensor " +
                "(or two) to one tensor are supported."),
        };
    }
}
