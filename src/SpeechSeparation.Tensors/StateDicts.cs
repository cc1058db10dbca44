using SpeechSeparation.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechSeparation.Tensors;

/// <summary>
/// Strict state-dict loading with a message that names every offending key (TorchSharp's own loader reports missing and
/// unexpected keys but stops at the first shape mismatch), and conversions for the checkpoint writers.
/// </summary>
public static class StateDicts
{
    /// <summary>
    /// Copies values into <paramref name="module"/>'s parameters and buffers by name. Shape mismatches always raise (as
    /// in PyTorch); with <paramref name="strict"/>, missing or unexpected keys raise too.
    /// </summary>
    /// <exception cref="StateDictMismatchException">Keys are missing, unexpected (strict) or mis-shaped; all are listed.</exception>
    public static StateDictLoadResult LoadStateDict(this nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = module.state_dict();
        var missing = own.Keys.Where(k => !stateDict.ContainsKey(k)).ToList();
        var unexpected = stateDict.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var misShaped = new List<string>();
        foreach (var (k, t) in own)
            if (stateDict.TryGetValue(k, out var src) && !t.shape.AsSpan().SequenceEqual(src.shape))
                misShaped.Add($"{k}: checkpoint [{string.Join(", ", src.shape)}], model [{string.Join(", ", t.shape)}]");
        var result = new StateDictLoadResult(missing, unexpected, misShaped);
        if (misShaped.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new StateDictMismatchException(module.GetType().Name, result);
        using (no_grad())
            foreach (var (k, t) in own)
                if (stateDict.TryGetValue(k, out var src)) t.copy_(src);
        return result;
    }

    /// <summary>Loads a state dict read from a checkpoint file (see the overload over tensors).</summary>
    /// <exception cref="StateDictMismatchException">Keys are missing, unexpected (strict) or mis-shaped; all are listed.</exception>
    public static StateDictLoadResult LoadStateDict(this nn.Module module, IReadOnlyDictionary<string, HostTensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        using var scope = NewDisposeScope();
        var tensors = stateDict.ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor());
        return module.LoadStateDict(tensors, strict);
    }

    /// <summary>The state dict copied to managed memory, in <c>state_dict()</c> order (for the checkpoint writers).</summary>
    public static Dictionary<string, HostTensor> StateDictToHost(this nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.ToHost());

    /// <summary>Total number of parameter elements (shared parameters counted once).</summary>
    public static long ParameterCount(this nn.Module module) =>
        module.parameters().Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>().Sum(p => p.numel());
}

/// <summary>Keys that did not line up when loading a state dict.</summary>
/// <param name="MissingKeys">In the model, absent from the checkpoint.</param>
/// <param name="UnexpectedKeys">In the checkpoint, absent from the model.</param>
/// <param name="MisShapedKeys">Present in both with different shapes (name and both shapes).</param>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys, IReadOnlyList<string> MisShapedKeys);

/// <summary>A checkpoint that does not fit the model; the message lists every offending key.</summary>
public sealed class StateDictMismatchException : Exception
{
    /// <summary>Creates the exception for a model type and the mismatch.</summary>
    public StateDictMismatchException(string model, StateDictLoadResult result) : base(Describe(model, result)) => Result = result;

    /// <summary>The keys that did not line up.</summary>
    public StateDictLoadResult Result { get; }

    private static string Describe(string model, StateDictLoadResult r)
    {
        var sb = new System.Text.StringBuilder($"Error(s) loading state dict for {model}:");
        void List(string title, IReadOnlyList<string> keys)
        {
            if (keys.Count == 0) return;
            sb.Append($"\n  {title} ({keys.Count}): ");
            sb.Append(string.Join(", ", keys.Take(50)));
            if (keys.Count > 50) sb.Append($", … ({keys.Count - 50} more)");
        }
        List("missing keys", r.MissingKeys);
        List("unexpected keys", r.UnexpectedKeys);
        List("size mismatch", r.MisShapedKeys);
        return sb.ToString();
    }
}
