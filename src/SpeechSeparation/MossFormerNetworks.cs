using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;

namespace SpeechSeparation;

/// <summary><see cref="ISeparationNetwork"/> factories for MossFormer and MossFormer2 (ModelScope and ClearerVoice).</summary>
internal static class MossFormerNetworks
{
    public const string MossFormerName = "mossformer";
    public const string MossFormer2Name = "mossformer2";

    public static ISeparationNetwork CreateMossFormer(NetworkSpec spec)
    {
        var config = MossFormerConfig.FromJson(spec.Config);
        var model = new MossFormerSeparator(config);
        // Upstream returns [B, T, S]; the public API wants [B, S, T].
        return new ModuleNetwork(MossFormerName, model, spec, config.NumSpks, x => model.forward(x).permute(0, 2, 1).contiguous(), config.SampleRate);
    }

    /// <summary>MossFormer2 from weights in the ModelScope/ClearerVoice names or in the authors' SpeechBrain layout
    /// (detected by its keys and renamed; a configuration without values takes the widths from the weights).</summary>
    public static ISeparationNetwork CreateMossFormer2(NetworkSpec spec)
    {
        bool speechBrain = SpeechBrainLayout.Matches(spec.Weights.Keys);
        if (speechBrain) spec = spec with { Weights = SpeechBrainLayout.Canonical(spec.Weights) };
        var config = MossFormer2Config.FromJson(spec.Config);
        bool noConfig = spec.Config.ValueKind != System.Text.Json.JsonValueKind.Object || !spec.Config.EnumerateObject().Any();
        if (noConfig && spec.Weights.ContainsKey("enc.conv1d.weight") && spec.Weights.ContainsKey("mask_net.conv1d_out.weight"))
            config = SpeechBrainLayout.InferConfig(spec.Weights) with { SampleRate = config.SampleRate };
        if (spec.SampleRate is { } rate) config = config with { SampleRate = rate };
        var model = new MossFormer2Separator(config);
        try
        {
            return new ModuleNetwork(MossFormer2Name, model, spec, config.NumSpks, x => model.forward(x).permute(0, 2, 1).contiguous(), config.SampleRate);
        }
        catch (StateDictMismatchException e) when (speechBrain)
        {
            throw SpeechBrainLayout.Translate(e);
        }
    }
}
