using System.Numerics;
using System.Text;

namespace SpeechSeparation.Serialization.Tests;

/// <summary>The safe unpickler on pickles written by CPython's own pickle module (protocols 0–5) and on hostile input.</summary>
public class UnpicklerTests
{
    // pickle.dumps(OBJ, protocol=p) by CPython 3.11 for
    // OBJ = {'a': [1, 2.5, 'x', None, True, False, (1, 2)], 'b': b'\x00\x01\xff', 'big': 2**100, 'neg': -2**40, 'n1': -1,
    //        'i32': 2**31-1, 's': {7}, 'fs': frozenset({3}), 'u': 'h\u00e9\u4e2d\\n', 'nested': {'t': (), 'l': []}, 'f': float('inf')}
    public static TheoryData<int, string> CPythonPickles() => new()
    {
        { 0, "KGRwMApWYQpwMQoobHAyCkkxCmFGMi41CmFWeApwMwphTmFJMDEKYUkwMAphKEkxCkkyCnRwNAphc1ZiCnA1CmNfY29kZWNzCmVuY29kZQpwNgooVlx1MDAwMAH/CnA3ClZsYXRpbjEKcDgKdHA5ClJwMTAKc1ZiaWcKcDExCkwxMjY3NjUwNjAwMjI4MjI5NDAxNDk2NzAzMjA1Mzc2TApzVm5lZwpwMTIKTC0xMDk5NTExNjI3Nzc2TApzVm4xCnAxMwpJLTEKc1ZpMzIKcDE0CkkyMTQ3NDgzNjQ3CnNWcwpwMTUKY19fYnVpbHRpbl9fCnNldApwMTYKKChscDE3Ckk3CmF0cDE4ClJwMTkKc1ZmcwpwMjAKY19fYnVpbHRpbl9fCmZyb3plbnNldApwMjEKKChscDIyCkkzCmF0cDIzClJwMjQKc1Z1CnAyNQpWaOlcdTRlMmRcdTAwNWNuCnAyNgpzVm5lc3RlZApwMjcKKGRwMjgKVnQKcDI5Cih0c1ZsCnAzMAoobHAzMQpzc1ZmCnAzMgpGaW5mCnMu" },
        { 1, "fXEAKFgBAAAAYXEBXXECKEsBR0AEAAAAAAAAWAEAAAB4cQNOSTAxCkkwMAooSwFLAnRxBGVYAQAAAGJxBWNfY29kZWNzCmVuY29kZQpxBihYBAAAAAABw79xB1gGAAAAbGF0aW4xcQh0cQlScQpYAwAAAGJpZ3ELTDEyNjc2NTA2MDAyMjgyMjk0MDE0OTY3MDMyMDUzNzZMClgDAAAAbmVncQxMLTEwOTk1MTE2Mjc3NzZMClgCAAAAbjFxDUr/////WAMAAABpMzJxDkr///9/WAEAAABzcQ9jX19idWlsdGluX18Kc2V0CnEQKF1xEUsHYXRxElJxE1gCAAAAZnNxFGNfX2J1aWx0aW5fXwpmcm96ZW5zZXQKcRUoXXEWSwNhdHEXUnEYWAEAAAB1cRlYCAAAAGjDqeS4rVxucRpYBgAAAG5lc3RlZHEbfXEcKFgBAAAAdHEdKVgBAAAAbHEeXXEfdVgBAAAAZnEgR3/wAAAAAAAAdS4=" },
        { 2, "gAJ9cQAoWAEAAABhcQFdcQIoSwFHQAQAAAAAAABYAQAAAHhxA06IiUsBSwKGcQRlWAEAAABicQVjX2NvZGVjcwplbmNvZGUKcQZYBAAAAAABw79xB1gGAAAAbGF0aW4xcQiGcQlScQpYAwAAAGJpZ3ELig0AAAAAAAAAAAAAAAAQWAMAAABuZWdxDIoGAAAAAAD/WAIAAABuMXENSv////9YAwAAAGkzMnEOSv///39YAQAAAHNxD2NfX2J1aWx0aW5fXwpzZXQKcRBdcRFLB2GFcRJScRNYAgAAAGZzcRRjX19idWlsdGluX18KZnJvemVuc2V0CnEVXXEWSwNhhXEXUnEYWAEAAAB1cRlYCAAAAGjDqeS4rVxucRpYBgAAAG5lc3RlZHEbfXEcKFgBAAAAdHEdKVgBAAAAbHEeXXEfdVgBAAAAZnEgR3/wAAAAAAAAdS4=" },
        { 3, "gAN9cQAoWAEAAABhcQFdcQIoSwFHQAQAAAAAAABYAQAAAHhxA06IiUsBSwKGcQRlWAEAAABicQVDAwAB/3EGWAMAAABiaWdxB4oNAAAAAAAAAAAAAAAAEFgDAAAAbmVncQiKBgAAAAAA/1gCAAAAbjFxCUr/////WAMAAABpMzJxCkr///9/WAEAAABzcQtjYnVpbHRpbnMKc2V0CnEMXXENSwdhhXEOUnEPWAIAAABmc3EQY2J1aWx0aW5zCmZyb3plbnNldApxEV1xEksDYYVxE1JxFFgBAAAAdXEVWAgAAABow6nkuK1cbnEWWAYAAABuZXN0ZWRxF31xGChYAQAAAHRxGSlYAQAAAGxxGl1xG3VYAQAAAGZxHEd/8AAAAAAAAHUu" },
        { 4, "gASVrwAAAAAAAAB9lCiMAWGUXZQoSwFHQAQAAAAAAACMAXiUToiJSwFLAoaUZYwBYpRDAwAB/5SMA2JpZ5SKDQAAAAAAAAAAAAAAABCMA25lZ5SKBgAAAAAA/4wCbjGUSv////+MA2kzMpRK////f4wBc5SPlChLB5CMAmZzlChLA5GUjAF1lIwIaMOp5LitXG6UjAZuZXN0ZWSUfZQojAF0lCmMAWyUXZR1jAFmlEd/8AAAAAAAAHUu" },
        { 5, "gAWVrwAAAAAAAAB9lCiMAWGUXZQoSwFHQAQAAAAAAACMAXiUToiJSwFLAoaUZYwBYpRDAwAB/5SMA2JpZ5SKDQAAAAAAAAAAAAAAABCMA25lZ5SKBgAAAAAA/4wCbjGUSv////+MA2kzMpRK////f4wBc5SPlChLB5CMAmZzlChLA5GUjAF1lIwIaMOp5LitXG6UjAZuZXN0ZWSUfZQojAF0lCmMAWyUXZR1jAFmlEd/8AAAAAAAAHUu" },
    };

    internal static object? Unpickle(byte[] pickle, IPickleResolver? resolver = null) =>
        new Unpickler(PickleInput.FromBytes(pickle), resolver).Load();

    [Theory]
    [MemberData(nameof(CPythonPickles))]
    public void ReadsEveryProtocol(int protocol, string base64)
    {
        var d = Assert.IsType<PythonDict>(Unpickle(Convert.FromBase64String(base64)));
        Assert.Equal(["a", "b", "big", "neg", "n1", "i32", "s", "fs", "u", "nested", "f"], d.Keys);
        var a = Assert.IsType<List<object?>>(d["a"]);
        Assert.Equal(1L, a[0]);
        Assert.Equal(2.5, a[1]);
        Assert.Equal("x", a[2]);
        Assert.Null(a[3]);
        Assert.Equal(true, a[4]);
        Assert.Equal(false, a[5]);
        Assert.Equal(new object?[] { 1L, 2L }, Assert.IsType<PythonTuple>(a[6]));
        Assert.Equal(new byte[] { 0, 1, 255 }, d["b"]);
        Assert.Equal(BigInteger.Pow(2, 100), d["big"]);
        Assert.Equal(-(1L << 40), d["neg"]);
        Assert.Equal(-1L, d["n1"]);
        Assert.Equal((long)int.MaxValue, d["i32"]);
        var s = Assert.IsType<PythonSet>(d["s"]);
        Assert.False(s.IsFrozen);
        Assert.Equal([7L], s);
        var fs = Assert.IsType<PythonSet>(d["fs"]);
        Assert.True(fs.IsFrozen);
        Assert.Equal([3L], fs);
        Assert.Equal("h\u00e9\u4e2d\\n", d["u"]);
        var nested = Assert.IsType<PythonDict>(d["nested"]);
        Assert.Empty(Assert.IsType<PythonTuple>(nested["t"]));
        Assert.Empty(Assert.IsType<List<object?>>(nested["l"]));
        Assert.Equal(double.PositiveInfinity, d["f"]);
        Assert.True(protocol >= 0);
    }

    [Fact]
    public void ForeignCallsBecomePlaceholdersAndNothingRuns()
    {
        // Protocol 0: os.system('touch <marker>'), the classic malicious pickle.
        var marker = Path.Combine(Path.GetTempPath(), "unpickler-must-not-create-" + Guid.NewGuid().ToString("N"));
        var pickle = Encoding.ASCII.GetBytes($"cos\nsystem\n(S'touch {marker}'\ntR.");
        var o = Assert.IsType<PythonObject>(Unpickle(pickle));
        Assert.Equal("os", o.Module);
        Assert.Equal("system", o.Name);
        Assert.Equal([$"touch {marker}"], o.Arguments);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void BuildSetsPlaceholderState()
    {
        // protocol 2: argparse.Namespace() with NEWOBJ then BUILD {'lr': 0.5}
        var p = new List<byte> { 0x80, 2 };
        p.AddRange(Encoding.ASCII.GetBytes("cargparse\nNamespace\n)"));
        p.Add(0x81);
        p.Add((byte)'}');
        p.Add((byte)'(');
        p.AddRange(Encoding.ASCII.GetBytes("X\x02\0\0\0lr"));
        p.Add((byte)'G'); p.AddRange(BitConverter.GetBytes(0.5).Reverse());
        p.AddRange("ub."u8.ToArray());
        var o = Assert.IsType<PythonObject>(Unpickle([.. p]));
        Assert.Equal("argparse.Namespace", o.FullName);
        Assert.Equal(0.5, o.Attributes!["lr"]);
    }

    [Theory]
    [InlineData("", "ends")]                                 // empty
    [InlineData("\u0080\u0002X\u00f0\u00ff\u00ff\u00ff", "runs past the end")] // BINUNICODE claiming 4 GB
    [InlineData("\u0080\u0002a.", "underflow")]              // APPEND on empty stack
    [InlineData("\u0080\u0002h\u0005.", "memo")]             // BINGET of an unset memo slot
    [InlineData("\u0080\u0009N.", "protocol")]               // unknown protocol
    [InlineData("\u0080\u0002\u00ff", "unknown opcode")]
    [InlineData("\u0080\u0002u.", "MARK")]                   // SETITEMS without mark
    [InlineData("\u0080\u0002K\u0001K\u0002K\u0003s.", "SETITEM")] // SETITEM on an int
    [InlineData("\u0080\u0002}]K\u0001s.", "unhashable")]    // a list as a dict key
    [InlineData("\u0080\u0002\u0082\u0001.", "extension")]   // EXT1
    public void DamagedPicklesRaiseInvalidData(string latin1, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Unpickle(Encoding.Latin1.GetBytes(latin1)));
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void DeepNestingAndCyclesDoNotOverflowTheStack()
    {
        const int depth = 200_000;
        var p = new List<byte> { 0x80, 2 };
        for (int i = 0; i < depth; i++) p.Add((byte)']');
        for (int i = 1; i < depth; i++) p.Add((byte)'a');
        p.Add((byte)'.');
        var root = Unpickle([.. p]);
        Assert.IsType<List<object?>>(root);
        Assert.NotEmpty(TorchCheckpoint.Flatten(root));
        Assert.StartsWith("[[[", PythonRepr.Format(root));
        Assert.Throws<InvalidDataException>(() => StateDict.Extract(root));

        // a list that contains itself: ] q0 h0 a .
        var cyc = Assert.IsType<List<object?>>(Unpickle([0x80, 2, (byte)']', (byte)'q', 0, (byte)'h', 0, (byte)'a', (byte)'.']));
        Assert.Same(cyc, cyc[0]);
        Assert.Single(TorchCheckpoint.Flatten(cyc));
        Assert.NotEmpty(PythonRepr.Format(cyc));
        Assert.Throws<ArgumentException>(() => TorchCheckpoint.Save(new MemoryStream(), new Dictionary<string, object?> { ["x"] = cyc }));
    }

    [Fact]
    public void DictKeysFollowPythonEquality()
    {
        // {1: 'a', 1.0: 'b', True: 'c'} is {1: 'c'} in Python: the first key object stays, the last value wins.
        var d = new PythonDict();
        d.Set(1L, "a");
        d.Set(1.0, "b");
        d.Set(true, "c");
        Assert.Single(d.Items);
        Assert.Equal(1L, d.Items[0].Key);
        Assert.Equal("c", d["1"]);
        d.Set(new PythonTuple(1L, "x"), "t");
        d.Set(new PythonTuple(1.0, "x"), "u");
        Assert.Equal(2, d.Count);
        Assert.Equal("u", d["(1, 'x')"]);
    }
}
