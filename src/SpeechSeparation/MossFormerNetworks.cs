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

    public static ISeparationNetwork CreateMossFormer2(NetworkSpec spec)
    {
        var config = MossFormer2Config.FromJson(spec.Config);
        if (spec.SampleRate is { } rate) config = config with { SampleRate = rate };
        var model = new MossFormer2Separator(config);
        return new ModuleNetwork(MossFormer2Name, model, spec, config.NumSpks, x => model.forward(x).permute(0, 2, 1).contiguous(), config.SampleRate);
    }
}
