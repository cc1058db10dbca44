using Microsoft.Extensions.Logging;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Processing;

/// <summary>
/// How a recording's channels reach the network (<see cref="ChannelMode"/>) and how loud the stems come out
/// (<see cref="GainPolicy"/>), for in-memory and streamed separation alike.
/// </summary>
internal static class ChannelAndGainPolicy
{
    /// <summary>The signals to separate: the down-mix (or the only channel), or every channel.</summary>
    public static float[][] InputChannels(AudioBuffer mixture, ChannelMode mode) =>
        mode == ChannelMode.Downmix || mixture.Channels == 1
            ? [mixture.Channels == 1 ? mixture.Channel(0).ToArray() : mixture.ToMono().Channel(0).ToArray()]
            : Enumerable.Range(0, mixture.Channels).Select(c => mixture.Channel(c).ToArray()).ToArray();

    /// <summary>The stem count of the output: the input's channels in <see cref="ChannelMode.PerChannel"/>, else 1.</summary>
    public static int OutputChannels(int inputChannels, ChannelMode mode) => mode == ChannelMode.PerChannel ? inputChannels : 1;

    /// <summary>
    /// <see cref="GainPolicy.MatchMixture"/>'s factor from the least-squares sums Σ mix·Σstems and Σ (Σstems)²: the one
    /// g minimising ‖mix − g·Σ stems‖², or 1 when that is undefined or not positive.
    /// </summary>
    public static double MatchMixtureFactor(double mixDotSum, double sumSquared) =>
        sumSquared > 0 && mixDotSum > 0 ? mixDotSum / sumSquared : 1.0;

    /// <summary>Applies the gain policy in place (the mixture given per separated channel).</summary>
    public static void Apply(GainPolicy policy, IReadOnlyList<AudioBuffer> sources, float[][] mixtureChannels, ILogger logger)
    {
        switch (policy)
        {
            case GainPolicy.None:
                return;
            case GainPolicy.PeakNormalize:
                foreach (var s in sources)
                    if (Level.Peak(s.AsSpan()) > 0) Level.NormalizePeak(s.AsSpan(), -1.0);   // a silent stem stays silent
                return;
            case GainPolicy.MatchMixture:
            {
                double num = 0, den = 0;
                int frames = mixtureChannels[0].Length;
                for (int c = 0; c < mixtureChannels.Length; c++)
                    for (int i = 0; i < frames; i++)
                    {
                        double sum = 0;
                        foreach (var s in sources) sum += s.Samples[c * frames + i];
                        num += mixtureChannels[c][i] * sum;
                        den += sum * sum;
                    }
                double g = MatchMixtureFactor(num, den);
                foreach (var s in sources) Level.ApplyGain(s.AsSpan(), g);
                logger.LogDebug("Gain policy MatchMixture: stems scaled by {Gain:G4}", g);
                return;
            }
        }
    }
}
