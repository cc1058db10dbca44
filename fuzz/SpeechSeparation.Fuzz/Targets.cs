using System.Text.Json;
using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Models.Hourglass;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Serialization;
using SpeechSeparation.Signal;

namespace SpeechSeparation.Fuzz;

/// <summary>
/// The parsers of untrusted bytes, one fuzz target each. A target reads one input completely; the exceptions a library
/// user is told to expect for bad input (<see cref="Expected"/>) are the only acceptable failures: anything else
/// (IndexOutOfRange, NullReference, Overflow, InvalidCast, OutOfMemory, a hang) is a finding.
/// </summary>
public static class Targets
{
    /// <summary>Target name → the code under test.</summary>
    public static IReadOnlyDictionary<string, Action<Stream>> All { get; } = new Dictionary<string, Action<Stream>>(StringComparer.Ordinal)
    {
        ["wav"] = Wave,
        ["torch"] = Torch,
        ["safetensors"] = s => SafeTensors.Load(s, out _),
        ["npy"] = s => Npy.Read(s),
        ["package-json"] = PackageJson,
        ["recipe-json"] = RecipeJson,
        ["compressed"] = Compressed,
    };

    /// <summary>Whether an exception is one the library documents for bad input.</summary>
    public static bool Expected(Exception e) => e is InvalidDataException or NotSupportedException;

    private static void Wave(Stream s)
    {
        using var reader = new WavReader(s, leaveOpen: true);
        var block = new float[4096 * Math.Max(1, reader.Format.Channels)];
        while (reader.Read(block) > 0) { }
    }

    /// <summary>MP3, Ogg Vorbis and Ogg Opus through the managed decoders (the container detected from the first bytes).</summary>
    private static void Compressed(Stream s)
    {
        var head = new byte[64];
        int n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        s.Position = 0;
        using Audio.IAudioDecoder decoder = Audio.AudioFile.Detect(head.AsSpan(0, n)) switch
        {
            Audio.AudioContainer.Mp3 => new Audio.Mp3Decoder(s, leaveOpen: true),
            Audio.AudioContainer.OggVorbis => new Audio.VorbisDecoder(s, leaveOpen: true),
            Audio.AudioContainer.OggOpus => new Audio.OggOpusDecoder(s, leaveOpen: true),
            _ => throw new InvalidDataException("not MP3 or Ogg"),
        };
        var block = new float[4096 * Math.Max(1, decoder.Channels)];
        long total = 0;
        while ((n = decoder.Read(block)) > 0)
            if ((total += n) > 1L << 26) throw new InvalidDataException("decoded more than 64 M samples from a fuzz input");
    }

    private static void Torch(Stream s)
    {
        var root = TorchCheckpoint.Load(s);
        _ = TorchCheckpoint.Flatten(root);
        try { _ = StateDict.Extract(root); }
        catch (InvalidDataException) { /* no state dict in it: a documented outcome */ }
    }

    /// <summary>A package's speechsep.json: the metadata checks, then the named architecture's hyper-parameters.</summary>
    private static void PackageJson(Stream s)
    {
        var meta = ModelPackage.ReadMetadata(s, "fuzz");
        ReadConfig(meta.Architecture, meta.Config);
    }

    /// <summary>A training recipe's model part: the architecture and its config, as the trainer reads them.</summary>
    private static void RecipeJson(Stream s)
    {
        var recipe = Training.TrainRecipe.Parse(s, "fuzz");
        ReadConfig(recipe.Architecture, recipe.Config);
    }

    private static void ReadConfig(string architecture, JsonElement config)
    {
        switch (architecture.ToLowerInvariant())
        {
            case "mossformer": MossFormerConfig.FromJson(config).Validate(); break;
            case "mossformer2": MossFormer2Config.FromJson(config).Validate(); break;
            case "frcrn": FrcrnConfig.FromJson(config); break;
            case "hourglass": HourglassConfig.FromJson(config); break;
        }
    }
}
