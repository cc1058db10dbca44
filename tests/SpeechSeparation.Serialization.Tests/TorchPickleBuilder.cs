using System.Text;

namespace SpeechSeparation.Serialization.Tests;

/// <summary>Hand-assembles small torch-style pickles and zip archives for tests (opcode by opcode).</summary>
internal sealed class TorchPickleBuilder
{
    private readonly List<byte> _b = [0x80, 2];

    public TorchPickleBuilder Op(char c) { _b.Add((byte)c); return this; }

    public TorchPickleBuilder Op(byte c) { _b.Add(c); return this; }

    public TorchPickleBuilder Global(string module, string name)
    {
        _b.Add((byte)'c');
        _b.AddRange(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
        return this;
    }

    public TorchPickleBuilder Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        _b.Add((byte)'X');
        _b.AddRange(BitConverter.GetBytes(b.Length));
        _b.AddRange(b);
        return this;
    }

    public TorchPickleBuilder Int(long v)
    {
        if (v >= int.MinValue && v <= int.MaxValue) { _b.Add((byte)'J'); _b.AddRange(BitConverter.GetBytes((int)v)); }
        else { _b.Add(0x8a); _b.Add(8); _b.AddRange(BitConverter.GetBytes(v)); }
        return this;
    }

    public TorchPickleBuilder Tuple(params long[] items)
    {
        Op('(');
        foreach (var i in items) Int(i);
        return Op('t');
    }

    /// <summary>Pushes a storage persistent id ('storage', torch.&lt;type&gt;, key, 'cpu', numel) and BINPERSID.</summary>
    public TorchPickleBuilder Storage(string type, string key, long numel) =>
        Op('(').Str("storage").Global(type.Contains('.') ? type[..type.LastIndexOf('.')] : "torch", type.Contains('.') ? type[(type.LastIndexOf('.') + 1)..] : type)
            .Str(key).Str("cpu").Int(numel).Op('t').Op('Q');

    /// <summary>_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()).</summary>
    public TorchPickleBuilder Tensor(string type, string key, long numel, long offset, long[] size, long[] stride) =>
        Global("torch._utils", "_rebuild_tensor_v2").Op('(').Storage(type, key, numel).Int(offset).Tuple(size).Tuple(stride)
            .Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R');

    public byte[] Stop() { _b.Add((byte)'.'); return [.. _b]; }

    /// <summary>A zip checkpoint holding <paramref name="pickle"/> as archive/data.pkl and the given records.</summary>
    public static byte[] Zip(byte[] pickle, params (string Name, byte[] Data)[] records)
    {
        var ms = new MemoryStream();
        var w = new ZipStoreWriter(ms);
        w.Add("archive/data.pkl", pickle);
        foreach (var (n, d) in records) w.Add("archive/" + n, d);
        w.Add("archive/version", "3\n"u8);
        w.Finish();
        return ms.ToArray();
    }

    public static object? Load(byte[] file) => TorchCheckpoint.Load(new MemoryStream(file));

    public static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
}
