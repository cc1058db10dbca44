namespace SpeechSeparation.Models;

/// <summary>
/// Range checks for hyper-parameters read from untrusted files (model packages, recipes, checkpoint folders): an absurd
/// width or depth is refused with the field's name before anything is allocated, instead of asking libtorch for
/// gigabytes.
/// </summary>
public static class ConfigChecks
{
    /// <summary>The largest network built from a configuration file, in parameters (6 GB of float32; the largest
    /// published model here has 56 M).</summary>
    public const double MaxParameters = 1.5e9;

    /// <summary>Raises <see cref="InvalidDataException"/> unless <paramref name="min"/> ≤ value ≤ <paramref name="max"/>.</summary>
    public static void Range(string model, string field, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
            throw new InvalidDataException($"{model} config: {field} = {value} is outside [{min}, {max}].");
    }

    /// <summary>
    /// The ranges MossFormer and MossFormer2 share: speakers, encoder kernel, channel widths, depth, the gated attention
    /// unit (group size, query/key width, expansion, dropout) and the sample rate.
    /// </summary>
    public static void MossFormerFamily(string model, int numSpks, int kernelSize, int inChannels, int outChannels, int numBlocks,
        int groupSize, int queryKeyDim, double expansionFactor, double attnDropout, int sampleRate)
    {
        Range(model, "num_spks", numSpks, 1, 16);
        Range(model, "kernel_size", kernelSize, 2, 1024);
        Range(model, "in_channels", inChannels, 1, 4096);
        Range(model, "out_channels", outChannels, 1, 4096);
        Range(model, "num_blocks", numBlocks, 1, 256);
        Range(model, "group_size", groupSize, 1, 65536);
        Range(model, "query_key_dim", queryKeyDim, 1, 4096);
        Range(model, "expansion_factor", expansionFactor, 0.01, 16);
        Range(model, "attn_dropout", attnDropout, 0, 1);
        Range(model, "sample_rate", sampleRate, 1, 1_000_000);
    }

    /// <summary>Raises <see cref="InvalidDataException"/> when an estimated parameter count exceeds <see cref="MaxParameters"/>.</summary>
    public static void Size(string model, double estimatedParameters)
    {
        if (!(estimatedParameters <= MaxParameters))
            throw new InvalidDataException($"{model} config: about {estimatedParameters:G3} parameters, more than the {MaxParameters:G2} this library builds from a configuration file.");
    }

    /// <summary>Wraps a JSON type error of a config in <see cref="InvalidDataException"/> naming the model.</summary>
    public static T Deserialize<T>(string model, Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try { return read(); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{model} config: {e.Message}", e);
        }
    }
}
