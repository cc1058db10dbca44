using SpeechSeparation.Models.Baselines;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation;

/// <summary><see cref="ISeparationNetwork"/> adapters for the SpeechBrain tutorial baselines.</summary>
internal static class BaselineNetworks
{
    public const string SimpleSeparatorName = "sb_simpleseparator";
    public const string AudioSeparatorName = "sb_audioseparator";

    public static ISeparationNetwork CreateSimpleSeparator(NetworkSpec spec)
    {
        spec.RequireFloat32("its STFT (libtorch's CPU FFT has no bfloat16 kernel) and BiLSTM run in float32 only");
        var config = new SimpleSeparatorConfig(spec.Int("fft_size", 256), spec.Int("hidden_size", 128), spec.Int("num_sources", 2));
        var model = new SimpleSeparator(config);
        return new ModuleNetwork(SimpleSeparatorName, model, spec, config.NumSources, x =>
        {
            using var y = model.forward(x);                                  // sources [S, B, L]
            return PadTo(y.Sources.permute(1, 0, 2), x.size(1));            // [B, S, T]
        });
    }

    public static ISeparationNetwork CreateAudioSeparator(NetworkSpec spec)
    {
        spec.RequireFloat32("its BiLSTM runs in float32 only (the tutorial baselines are not converted)");
        var config = new AudioSeparatorConfig(spec.Int("fft_size", 256), spec.Int("hidden_size", 128), spec.Int("num_sources", 2), spec.Int("kernel_size", 16));
        var model = new AudioSeparator(config);
        return new ModuleNetwork(AudioSeparatorName, model, spec, config.NumSources, x =>
        {
            var outs = new List<Tensor>();
            for (long b = 0; b < x.size(0); b++)                             // upstream works on batch 1
            {
                using var y = model.forward(x.narrow(0, b, 1));              // sources [S, 1, L]
                outs.Add(PadTo(y.Sources.permute(1, 0, 2), x.size(1)));
            }
            return torch.cat(outs, 0);
        });
    }

    /// <summary>Zero-pads or crops the time axis to <paramref name="length"/>, as SpeechBrain's SeparationBrain does.</summary>
    private static Tensor PadTo(Tensor y, long length)
    {
        long l = y.size(-1);
        return l == length ? y.contiguous() : l < length ? torch.nn.functional.pad(y, [0, length - l]) : y.narrow(-1, 0, length).contiguous();
    }
}
