using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Serialization.Tests;

/// <summary>TorchCheckpoint.Save: round trips, and the archive layout torch.save itself produces.</summary>
public sealed class CheckpointSaveTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ckpt-save-" + Guid.NewGuid().ToString("N"));

    public CheckpointSaveTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static HostTensor RandomTensor(ScalarType t, long[] shape, Random rng)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        var data = new byte[n * t.ElementSize()];
        rng.NextBytes(data);
        if (t == ScalarType.Bool) for (int i = 0; i < data.Length; i++) data[i] &= 1;
        return new HostTensor(t, shape, data);
    }

    public static TheoryData<ScalarType> AllTypes() => new(Enum.GetValues<ScalarType>());

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void EveryDTypeRoundTrips(ScalarType type)
    {
        var rng = new Random(7 + (int)type);
        var sd = new Dictionary<string, HostTensor>
        {
            ["w"] = RandomTensor(type, [3, 4, 5], rng),
            ["scalar"] = RandomTensor(type, [], rng),
            ["empty"] = RandomTensor(type, [0, 3], rng),
            ["v"] = RandomTensor(type, [17], rng),
        };
        var path = Path.Combine(_dir, "x.pt");
        TorchCheckpoint.Save(path, sd);
        var back = StateDict.Load(path);
        Assert.Equal(sd.Keys, back.Keys);
        foreach (var (k, t) in sd)
        {
            Assert.Equal(t.DType, back[k].DType);
            Assert.Equal(t.Shape, back[k].Shape);
            Assert.Equal(t.Data, back[k].Data);
        }
        var root = Assert.IsType<PythonDict>(TorchCheckpoint.Load(path));
        Assert.True(root.IsOrdered); // what state_dict() gives
    }

    [Fact]
    public void TrainingCheckpointRoundTrips()
    {
        var rng = new Random(3);
        var model = new Dictionary<string, HostTensor> { ["a.weight"] = RandomTensor(ScalarType.Float32, [2, 3], rng) };
        var ck = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["epoch"] = 12L,
            ["int"] = 5,
            ["loss"] = 0.125,
            ["nan"] = double.NaN,
            ["note"] = "héllo 中",
            ["flags"] = new List<object?> { true, false, null },
            ["big"] = BigInteger.Pow(2, 70),
            ["min"] = long.MinValue,
            ["bytes"] = new byte[] { 0, 200, 255 },
            ["nobytes"] = Array.Empty<byte>(),
            ["tuple"] = new PythonTuple(1L, "a", 2.5, -70000L),
            ["optimizer"] = new Dictionary<long, object?> { [0] = new Dictionary<string, object?> { ["step"] = 3L } },
        };
        var path = Path.Combine(_dir, "ck.pt");
        TorchCheckpoint.Save(path, ck);
        var back = Assert.IsType<PythonDict>(TorchCheckpoint.Load(path));
        Assert.False(back.IsOrdered);
        Assert.Equal(ck.Keys, back.Keys);
        Assert.Equal(model["a.weight"].Data, StateDict.Extract(back)["a.weight"].Data);
        Assert.Equal(12L, back["epoch"]);
        Assert.Equal(5L, back["int"]);
        Assert.Equal(0.125, back["loss"]);
        Assert.True(double.IsNaN((double)back["nan"]!));
        Assert.Equal("héllo 中", back["note"]);
        Assert.Equal(new object?[] { true, false, null }, Assert.IsType<List<object?>>(back["flags"]));
        Assert.Equal(BigInteger.Pow(2, 70), back["big"]);
        Assert.Equal(long.MinValue, back["min"]);
        Assert.Equal(new byte[] { 0, 200, 255 }, back["bytes"]);
        Assert.Equal(Array.Empty<byte>(), back["nobytes"]);
        Assert.Equal(new object?[] { 1L, "a", 2.5, -70000L }, Assert.IsType<PythonTuple>(back["tuple"]));
        var opt = Assert.IsType<PythonDict>(back["optimizer"]);
        Assert.Equal(0L, opt.Items[0].Key); // integer keys stay integers
        Assert.Equal(3L, Assert.IsType<PythonDict>(opt["0"])["step"]);
    }

    [Theory]
    [InlineData("wrapped_model.pt")]
    [InlineData("foreign_object.pt")]
    [InlineData("wrapped_state_dict.pt")]
    public void LoadedCheckpointsSaveBackUnchanged(string file)
    {
        var original = TorchCheckpoint.Load(TestPaths.Fixture("checkpoint-formats", file));
        var path = Path.Combine(_dir, file);
        TorchCheckpoint.Save(path, (IReadOnlyDictionary<string, object?>)original!);
        var again = TorchCheckpoint.Load(path);
        Assert.Equal(PythonRepr.Format(original, 100_000), PythonRepr.Format(again, 100_000));
        var a = TorchCheckpoint.Flatten(original);
        var b = TorchCheckpoint.Flatten(again);
        Assert.Equal(a.Select(e => e.Path), b.Select(e => e.Path));
        for (int i = 0; i < a.Count; i++)
            if (a[i].Tensor is { } t) Assert.Equal(t.Data, b[i].Tensor!.Data);
    }

    /// <summary>Entry name → (offset of the data, stored bytes), read from the local headers.</summary>
    private static Dictionary<string, (long DataOffset, byte[] Data)> Records(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read); // an independent zip reader
        var r = new Dictionary<string, (long, byte[])>();
        foreach (var e in zip.Entries)
        {
            using var s = e.Open();
            var ms = new MemoryStream();
            s.CopyTo(ms);
            // Find the local header by name to learn where the data starts.
            var nameBytes = System.Text.Encoding.UTF8.GetBytes(e.FullName);
            long off = -1;
            for (int i = 0; i + 30 + nameBytes.Length <= bytes.Length; i++)
                if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == 0x04034b50 &&
                    BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 26)) == nameBytes.Length &&
                    bytes.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes))
                {
                    off = i + 30 + nameBytes.Length + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 28));
                    Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 8))); // stored
                    break;
                }
            Assert.True(off >= 0, e.FullName);
            r[e.FullName] = (off, ms.ToArray());
        }
        return r;
    }

    [Fact]
    public void ArchiveLayoutMatchesTorchSave()
    {
        var fixture = TestPaths.Fixture("checkpoint-formats", "plain_state_dict.pt");
        var path = Path.Combine(_dir, "plain.pt");
        TorchCheckpoint.Save(path, StateDict.Load(fixture));
        var theirs = Records(fixture);
        var ours = Records(path);
        static string Strip(string n) => n[(n.IndexOf('/') + 1)..];
        // Same record kinds: data.pkl, version, data/<key>; torch 2.x adds byteorder, which we also write.
        Assert.Equal(theirs.Keys.Select(Strip).Where(n => !n.StartsWith("data/", StringComparison.Ordinal)).Order(),
                     ours.Keys.Select(Strip).Where(n => !n.StartsWith("data/", StringComparison.Ordinal) && n != "byteorder").Order());
        Assert.Equal("little", System.Text.Encoding.ASCII.GetString(ours["archive/byteorder"].Data));
        Assert.Equal(theirs.Single(kv => Strip(kv.Key) == "version").Value.Data, ours["archive/version"].Data);
        Assert.All(ours.Keys, n => Assert.StartsWith("archive/", n));
        // Every record's data starts on a 64-byte boundary, as in torch's files.
        Assert.All(theirs.Values, r => Assert.Equal(0, r.DataOffset % 64));
        Assert.All(ours.Values, r => Assert.Equal(0, r.DataOffset % 64));
        // One storage per tensor, keyed 0..N-1, holding the tensor's bytes.
        var sd = StateDict.Load(path);
        Assert.Equal(sd.Count, ours.Keys.Count(n => n.StartsWith("archive/data/", StringComparison.Ordinal)));
        int i = 0;
        foreach (var t in sd.Values) Assert.Equal(t.Data, ours[$"archive/data/{i++}"].Data);
        // The pickle starts like torch's: protocol 2, then the OrderedDict global.
        Assert.Equal(theirs.Single(kv => Strip(kv.Key) == "data.pkl").Value.Data[..27], ours["archive/data.pkl"].Data[..27]);
    }

    [Fact]
    public void SaveIsAtomicAndLeavesNoTemporaryFiles()
    {
        var path = Path.Combine(_dir, "model.pt");
        var sd1 = new Dictionary<string, HostTensor> { ["a"] = HostTensor.FromFloats([1f, 2f], 2) };
        TorchCheckpoint.Save(path, sd1);
        var before = File.ReadAllBytes(path);
        // An unsupported value fails before anything replaces the existing file.
        Assert.Throws<ArgumentException>(() => TorchCheckpoint.Save(path, new Dictionary<string, object?> { ["x"] = new object() }));
        Assert.Equal(before, File.ReadAllBytes(path));
        var sd2 = new Dictionary<string, HostTensor> { ["b"] = HostTensor.FromDoubles([3.0], 1) };
        TorchCheckpoint.Save(path, sd2);
        Assert.Equal(["b"], StateDict.Load(path).Keys);
        Assert.Equal(["model.pt"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }
}
