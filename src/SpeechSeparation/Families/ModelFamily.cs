using System.Text.Json;
using System.Text.Json.Nodes;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Families;

/// <summary>
/// One model family (MossFormer, MossFormer2, FRCRN, …): the single place that says how its network is built from the
/// upstream hyper-parameters, for inference (<see cref="CreateNetwork"/>, behind <see cref="Separator.Load(string, SeparatorOptions?)"/>),
/// for training (<see cref="CreateForTraining"/>, behind <c>speechsep train</c>) and for conformance (<see cref="CreateModule"/>,
/// behind <c>speechsep check-fixture</c>). The built-in families are listed by <see cref="ModelFamilies"/>.
/// </summary>
public abstract class ModelFamily
{
    /// <summary>The architecture name packages and recipes use (e.g. <c>mossformer2</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Other names of the family, e.g. ClearerVoice-Studio's model names (<c>MossFormer2_SS_16K</c>).</summary>
    public virtual IReadOnlyList<string> Aliases => [];

    /// <summary>True when <see cref="CreateForTraining"/> is supported.</summary>
    public virtual bool Trainable => true;

    /// <summary>The sample rate of the published models (what training uses unless a recipe names another).</summary>
    public virtual int DefaultSampleRate => 8000;

    /// <summary>
    /// The untrained network for a configuration with the upstream hyper-parameter names (absent values take the
    /// published defaults), with the upstream state-dict names and shapes.
    /// </summary>
    /// <param name="config">A JSON object (may be empty).</param>
    /// <exception cref="InvalidDataException">A hyper-parameter is invalid.</exception>
    public abstract torch.nn.Module CreateModule(JsonElement config);

    /// <summary>The inference network of a package or checkpoint: built, weights loaded strictly, placed and converted.</summary>
    /// <param name="spec">Architecture name (this family's name or an alias), configuration, weights, device, precision.</param>
    /// <exception cref="StateDictMismatchException">The weights have missing, unexpected or mis-shaped keys.</exception>
    public abstract ISeparationNetwork CreateNetwork(NetworkSpec spec);

    /// <summary>The network to train, its estimate function and its training objective.</summary>
    /// <param name="config">Hyper-parameters as for <see cref="CreateModule"/>.</param>
    /// <exception cref="NotSupportedException">The family is not trainable here (<see cref="Trainable"/> is false).</exception>
    public virtual TrainableModel CreateForTraining(JsonElement config) =>
        throw new NotSupportedException($"Architecture '{Name}' is not trainable here.");

    /// <summary>Loads weights into a network of this family (strictly: missing, unexpected or mis-shaped keys throw).</summary>
    /// <param name="module">A network from <see cref="CreateModule"/> or <see cref="CreateForTraining"/>.</param>
    /// <param name="weights">The state dict (e.g. a fine-tuning start).</param>
    public virtual void LoadWeights(torch.nn.Module module, IReadOnlyDictionary<string, HostTensor> weights) =>
        module.LoadStateDict(weights, strict: true);

    /// <summary>
    /// The package configuration of a trained network: what <see cref="CreateNetwork"/> reads back. By default the
    /// training configuration; families with derived values write them out.
    /// </summary>
    /// <param name="config">The training configuration.</param>
    /// <param name="module">The trained network.</param>
    public virtual JsonObject PackageConfig(JsonElement config, torch.nn.Module module) =>
        config.ValueKind == JsonValueKind.Object ? JsonNode.Parse(config.GetRawText())!.AsObject() : new JsonObject();

    /// <summary>True when <paramref name="name"/> is <see cref="Name"/> or one of <see cref="Aliases"/> (case-insensitive).</summary>
    public bool Answers(string name) =>
        Name.Equals(name, StringComparison.OrdinalIgnoreCase) || Aliases.Any(a => a.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public override string ToString() => Name;
}
