using SpeechSeparation.Tensors;

namespace SpeechSeparation.Training;

/// <summary>
/// The random state a training run controls, saved in its checkpoints so a resumed run draws the same numbers as an
/// uninterrupted one: a managed xoshiro256** generator (data order, segment offsets, gains, SNRs…) with a savable
/// 256-bit state, and a rule that re-seeds libtorch's default generator (dropout, <c>torch.randn</c>) at every step from
/// the run seed and the step number (<see cref="SeedTorch"/>), since libtorch's generator state is not carried over.
/// </summary>
public sealed class TrainingRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates the generator from a run seed.</summary>
    public TrainingRandom(ulong seed)
    {
        Seed = seed;
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>The run seed.</summary>
    public ulong Seed { get; }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)(NextDouble() * maxExclusive);
    }

    /// <summary>A uniform double in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Shuffles a list in place (Fisher–Yates).</summary>
    public void Shuffle<T>(IList<T> list)
    {
        ArgumentNullException.ThrowIfNull(list);
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>A seeded libtorch generator for one draw of data (its seed comes from this generator).</summary>
    public torch.Generator NewTorchGenerator() => new(NextUInt64() >> 1);

    /// <summary>A seed for libtorch derived from the run seed and a step (the same for the same step in every run).</summary>
    public ulong TorchSeedFor(long step)
    {
        ulong x = Seed ^ (0x9E3779B97F4A7C15UL * (ulong)(step + 1));
        return SplitMix(ref x) >> 1;
    }

    /// <summary>Re-seeds libtorch's default generator for <paramref name="step"/> (call before each step's forward).</summary>
    public void SeedTorch(long step) => torch.manual_seed(unchecked((long)TorchSeedFor(step)));

    /// <summary>The generator state (four 64-bit words), for checkpoints.</summary>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores a state from <see cref="GetState"/>.</summary>
    public void SetState(IReadOnlyList<ulong> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Count != 4 || state.All(v => v == 0)) throw new ArgumentException("A xoshiro256** state is four 64-bit words, not all zero.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
