using SpeechSeparation.Tests;

namespace SpeechSeparation.Serialization.Tests;

/// <summary>
/// Thousands of random corruptions and truncations of the fixture checkpoints: each load either succeeds or raises
/// <see cref="InvalidDataException"/> — no other exception, no hang, no crash.
/// </summary>
public class CheckpointFuzzTests
{
    private static readonly string[] Files =
        ["plain_state_dict.pt", "legacy_format.pt", "wrapped_state_dict.pt", "wrapped_model.pt", "foreign_object.pt", "dataparallel_prefix.pt"];

    private static byte[] Mutate(byte[] original, Random rng, int start = 0)
    {
        var b = (byte[])original.Clone();
        switch (rng.Next(5))
        {
            case 0: // truncate
                return b[..rng.Next(b.Length)];
            case 1: // flip a few bytes
                for (int i = rng.Next(1, 9); i > 0; i--) b[rng.Next(start, b.Length)] = (byte)rng.Next(256);
                return b;
            case 2: // overwrite with interesting values
            {
                int at = rng.Next(start, b.Length);
                byte[] v = [0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x80];
                for (int i = 0; i < 4 && at + i < b.Length; i++) b[at + i] = v[rng.Next(v.Length)];
                return b;
            }
            case 3: // delete a span
            {
                int at = rng.Next(start, b.Length), n = rng.Next(1, 16);
                return [.. b[..at], .. b[Math.Min(b.Length, at + n)..]];
            }
            default: // duplicate a span
            {
                int at = rng.Next(start, b.Length), n = rng.Next(1, 16);
                return [.. b[..at], .. b[at..Math.Min(b.Length, at + n)], .. b[at..]];
            }
        }
    }

    private static void LoadOrInvalidData(byte[] file, string what)
    {
        try
        {
            var root = TorchCheckpoint.Load(new MemoryStream(file));
            _ = TorchCheckpoint.Flatten(root);
            _ = PythonRepr.Format(root);
            try { _ = StateDict.Extract(root); } catch (InvalidDataException) { }
        }
        catch (InvalidDataException) { }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }

    [Fact]
    public void CorruptedFilesRaiseInvalidDataOnly()
    {
        var rng = new Random(20240601);
        foreach (var f in Files)
        {
            var original = File.ReadAllBytes(TestPaths.Fixture("checkpoint-formats", f));
            for (int i = 0; i < 400; i++) LoadOrInvalidData(Mutate(original, rng), $"{f} mutation {i}");
        }
    }

    [Fact]
    public void CorruptedPicklesInsideValidArchivesRaiseInvalidDataOnly()
    {
        // Zip CRCs catch most damage to the archive, so damage the pickle itself and re-pack it with a correct CRC.
        var rng = new Random(77);
        foreach (var f in Files.Where(f => f != "legacy_format.pt"))
        {
            using var zip = new System.IO.Compression.ZipArchive(File.OpenRead(TestPaths.Fixture("checkpoint-formats", f)));
            var records = zip.Entries.Select(e =>
            {
                using var s = e.Open();
                var ms = new MemoryStream();
                s.CopyTo(ms);
                return (Name: e.FullName[(e.FullName.IndexOf('/') + 1)..], Data: ms.ToArray());
            }).ToList();
            var pickle = records.Single(r => r.Name == "data.pkl").Data;
            var rest = records.Where(r => r.Name is not ("data.pkl" or "version")).ToArray();
            for (int i = 0; i < 300; i++)
                LoadOrInvalidData(TorchPickleBuilder.Zip(Mutate(pickle, rng, start: 2), rest), $"{f} pickle mutation {i}");
        }
    }
}
