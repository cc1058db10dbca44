using System.Text.RegularExpressions;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Models.Frcrn;

/// <summary>What <see cref="FrcrnCheckpoint.Load"/> did beyond a one-to-one key match.</summary>
/// <param name="AliasedKeys">Model keys filled from the other alias name of the same U-Net sub-module
/// (e.g. <c>unet.encoders.3.*</c> for <c>unet.encoder3.*</c>).</param>
/// <param name="RebuiltKeys">Fixed STFT keys (<c>stft.*</c>, <c>istft.*</c>) absent from the checkpoint and kept as
/// rebuilt from the formulas.</param>
public sealed record FrcrnLoadReport(IReadOnlyList<string> AliasedKeys, IReadOnlyList<string> RebuiltKeys);

/// <summary>
/// Loads FRCRN checkpoints strictly, with explicit alias resolution instead of upstream's non-strict loading:
/// <list type="bullet">
/// <item>every U-Net sub-module has two names (<c>encoder3</c> / <c>encoders.3</c>, <c>decoder3</c> / <c>decoders.3</c>,
/// <c>se_layer_enc3</c> / <c>se_layers_enc.3</c>, <c>se_layer_dec3</c> / <c>se_layers_dec.3</c>, <c>fsmn_enc3</c> /
/// <c>fsmn_enc.3</c>, <c>fsmn_dec3</c> / <c>fsmn_dec.3</c>); a checkpoint may carry either or both — when both are
/// present they must hold equal values;</item>
/// <item>the fixed STFT kernels and buffers are rebuilt from the formulas when absent;</item>
/// <item><c>module.</c> (DataParallel, ClearerVoice) and <c>model.</c> (ModelScope decorator-level training checkpoints)
/// prefixes are removed;</item>
/// <item>anything else missing, unexpected or mis-shaped raises <see cref="StateDictMismatchException"/> listing the keys.</item>
/// </list>
/// </summary>
public static class FrcrnCheckpoint
{
    private static readonly Regex ByName = new(@"^(unet2?)\.(encoder|decoder|se_layer_enc|se_layer_dec|fsmn_enc|fsmn_dec)(\d+)\.(.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex ByList = new(@"^(unet2?)\.(encoders|decoders|se_layers_enc|se_layers_dec|fsmn_enc|fsmn_dec)\.(\d+)\.(.+)$", RegexOptions.CultureInvariant);

    /// <summary>The other name of a U-Net key (<c>unet.encoder3.x</c> ⇄ <c>unet.encoders.3.x</c>), or null.</summary>
    public static string? Alias(string key)
    {
        var m = ByName.Match(key);
        if (m.Success)
        {
            var list = m.Groups[2].Value switch
            {
                "encoder" => "encoders",
                "decoder" => "decoders",
                "se_layer_enc" => "se_layers_enc",
                "se_layer_dec" => "se_layers_dec",
                var s => s, // fsmn_enc, fsmn_dec
            };
            return $"{m.Groups[1].Value}.{list}.{m.Groups[3].Value}.{m.Groups[4].Value}";
        }
        m = ByList.Match(key);
        if (m.Success)
        {
            var name = m.Groups[2].Value switch
            {
                "encoders" => "encoder",
                "decoders" => "decoder",
                "se_layers_enc" => "se_layer_enc",
                "se_layers_dec" => "se_layer_dec",
                var s => s,
            };
            return $"{m.Groups[1].Value}.{name}{m.Groups[3].Value}.{m.Groups[4].Value}";
        }
        return null;
    }

    /// <summary>Loads <paramref name="checkpoint"/> into <paramref name="model"/> (see the class remarks).</summary>
    /// <exception cref="StateDictMismatchException">Keys that cannot be resolved, unexpected keys, mis-shaped tensors.</exception>
    /// <exception cref="InvalidDataException">Both alias names present with different values.</exception>
    public static FrcrnLoadReport Load(Frcrn model, IReadOnlyDictionary<string, HostTensor> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var ck = Normalise(checkpoint);
        var own = model.state_dict();
        var resolved = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
        var aliased = new List<string>();
        var rebuilt = new List<string>();
        var missing = new List<string>();
        foreach (var key in own.Keys)
        {
            var alias = Alias(key);
            if (ck.TryGetValue(key, out var v))
            {
                if (alias is not null && ck.TryGetValue(alias, out var other) && !SameValues(v, other))
                    throw new InvalidDataException($"FRCRN checkpoint: '{key}' and its alias '{alias}' hold different values.");
                resolved[key] = v;
            }
            else if (alias is not null && ck.TryGetValue(alias, out var a))
            {
                resolved[key] = a;
                aliased.Add(key);
            }
            else if (key.StartsWith("stft.", StringComparison.Ordinal) || key.StartsWith("istft.", StringComparison.Ordinal))
            {
                resolved[key] = own[key].ToHost();
                rebuilt.Add(key);
            }
            else missing.Add(key);
        }
        var unexpected = ck.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new StateDictMismatchException(nameof(Frcrn), new StateDictLoadResult(missing, unexpected, []));
        model.LoadStateDict(resolved, strict: true);
        return new FrcrnLoadReport(aliased, rebuilt);
    }

    private static IReadOnlyDictionary<string, HostTensor> Normalise(IReadOnlyDictionary<string, HostTensor> sd)
    {
        sd = StateDict.StripPrefix(sd, "module.", onlyIfAll: false);
        sd = StateDict.StripPrefix(sd, "model.", onlyIfAll: true);
        return sd;
    }

    private static bool SameValues(HostTensor a, HostTensor b) =>
        a.DType == b.DType && a.Shape.AsSpan().SequenceEqual(b.Shape) && a.Data.AsSpan().SequenceEqual(b.Data);
}
