using System.Buffers.Binary;
using System.Text;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Serialization.Tests;

/// <summary>safetensors reading and writing.</summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "safetensors-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EverySupportedDTypeRoundTripsWithMetadata()
    {
        var rng = new Random(11);
        var tensors = new Dictionary<string, HostTensor>();
        foreach (var t in Enum.GetValues<ScalarType>().Where(t => t is not (ScalarType.Complex64 or ScalarType.Complex128)))
            tensors[$"t.{t}"] = CheckpointSaveTests.RandomTensor(t, [2, 3], rng);
        tensors["scalar"] = CheckpointSaveTests.RandomTensor(ScalarType.Float32, [], rng);
        tensors["empty"] = CheckpointSaveTests.RandomTensor(ScalarType.Float32, [0, 5], rng);
        var path = Path.Combine(_dir, "m.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var back = SafeTensors.Load(path, out var meta);
        Assert.Equal("pt", meta["format"]);
        Assert.Equal(tensors.Keys, back.Keys);
        foreach (var (k, t) in tensors)
        {
            Assert.Equal(t.DType, back[k].DType);
            Assert.Equal(t.Shape, back[k].Shape);
            Assert.Equal(t.Data, back[k].Data);
        }
        // The header is padded to 8 bytes and the generic loaders accept the file too.
        var raw = File.ReadAllBytes(path);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(raw) % 8);
        Assert.Equal(tensors.Keys, StateDict.Load(path).Keys);
    }

    [Fact]
    public void ComplexIsRefused() =>
        Assert.Throws<NotSupportedException>(() => SafeTensors.Save(new MemoryStream(),
            new Dictionary<string, HostTensor> { ["c"] = new(ScalarType.Complex64, [1], new byte[8]) }));

    /// <summary>A safetensors file with the given header text and data bytes.</summary>
    private static byte[] File8(string header, int dataBytes, long? headerLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var r = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(r, (ulong)(headerLength ?? h.Length));
        h.CopyTo(r, 8);
        return r;
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, null, null)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 1_000_000L, "header claims")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, null, "needs 12 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}", 8, null, "overlaps")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, null, "hole")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, null, "cover")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, null, "outside")]
    [InlineData("{\"a\":{\"dtype\":\"X9\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, null, "unsupported dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, null, "bad dimension")]
    [InlineData("{\"a\":", 8, null, "not valid JSON")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, null, "not a string")]
    public void HeadersAreValidated(string header, int dataBytes, long? headerLength, string? error)
    {
        var bytes = File8(header, dataBytes, headerLength);
        if (error is null)
        {
            Assert.Single(SafeTensors.Load(new MemoryStream(bytes), out _));
            return;
        }
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(bytes), out _));
        Assert.Contains(error, e.Message);
    }

    [Fact]
    public void FixtureStateDictConvertsLosslessly()
    {
        var sd = StateDict.Load(TestPaths.Fixture("mossformer_ms_tiny", "state_dict.pt"));
        var path = Path.Combine(_dir, "moss.safetensors");
        SafeTensors.Save(path, sd);
        var back = SafeTensors.Load(path);
        Assert.Equal(sd.Keys, back.Keys);
        foreach (var (k, t) in sd) Assert.Equal(t.Data, back[k].Data);
    }
}
