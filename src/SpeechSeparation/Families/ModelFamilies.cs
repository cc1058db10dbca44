namespace SpeechSeparation.Families;

/// <summary>The built-in model families, by architecture name or alias.</summary>
public static class ModelFamilies
{
    /// <summary>Every built-in family.</summary>
    public static IReadOnlyList<ModelFamily> All { get; } =
    [
        new MossFormerFamily(), new MossFormer2Family(), new MossFormer2SeFamily(), new FrcrnFamily(), new HourglassFamily(),
        new SimpleSeparatorFamily(), new AudioSeparatorFamily(),
    ];

    /// <summary>The families <c>speechsep train</c> can train.</summary>
    public static IReadOnlyList<ModelFamily> Trainable { get; } = [.. All.Where(f => f.Trainable)];

    /// <summary>The family answering to <paramref name="name"/> (its name or an alias, case-insensitive), or null.</summary>
    public static ModelFamily? Find(string name) => All.FirstOrDefault(f => f.Answers(name));

    /// <summary>The family answering to <paramref name="name"/>.</summary>
    /// <exception cref="NotSupportedException">No built-in family has that name; the message lists the known ones.</exception>
    public static ModelFamily Get(string name) => Find(name)
        ?? throw new NotSupportedException($"Unknown architecture '{name}'. Known: {string.Join(", ", All.SelectMany(f => f.Aliases.Prepend(f.Name)))}.");
}
