namespace SpeechSeparation.Serialization.Tests;

/// <summary>Tensor reconstruction from storages: offsets and strides, dtypes, and refusal of impossible sizes.</summary>
public class TensorRebuildTests
{
    private static readonly byte[] Ten = TorchPickleBuilder.Floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

    private static HostTensor LoadOne(byte[] pickle, params (string, byte[])[] records) =>
        Assert.IsType<HostTensor>(TorchPickleBuilder.Load(TorchPickleBuilder.Zip(pickle, records)));

    [Fact]
    public void StridedViewWithOffsetIsMaterialisedRowMajor()
    {
        // size (2,3), stride (1,2), offset 1 over 0..9: element [i,j] = storage[1 + i + 2j].
        var t = LoadOne(new TorchPickleBuilder().Tensor("FloatStorage", "0", 10, 1, [2, 3], [1, 2]).Stop(), ("data/0", Ten));
        Assert.Equal([2L, 3L], t.Shape);
        Assert.Equal([1f, 3f, 5f, 2f, 4f, 6f], t.ToFloatArray());
    }

    [Fact]
    public void ZeroStrideBroadcastAndScalar()
    {
        var b = LoadOne(new TorchPickleBuilder().Tensor("FloatStorage", "0", 10, 7, [3, 2], [0, 1]).Stop(), ("data/0", Ten));
        Assert.Equal([7f, 8f, 7f, 8f, 7f, 8f], b.ToFloatArray());
        var s = LoadOne(new TorchPickleBuilder().Tensor("FloatStorage", "0", 10, 9, [], []).Stop(), ("data/0", Ten));
        Assert.Empty(s.Shape);
        Assert.Equal([9f], s.ToFloatArray());
    }

    [Fact]
    public void RebuildV3ReinterpretsAnUntypedStorage()
    {
        // torch 2.x: _rebuild_tensor_v3(untyped storage, offset, size, stride, requires_grad, hooks, dtype)
        var p = new TorchPickleBuilder().Global("torch._utils", "_rebuild_tensor_v3").Op('(')
            .Storage("UntypedStorage", "0", 40).Int(2).Tuple(3).Tuple(1).Op(0x89).Op(')').Global("torch", "float32").Op('t').Op('R').Stop();
        Assert.Equal([2f, 3f, 4f], LoadOne(p, ("data/0", Ten)).ToFloatArray());
    }

    [Fact]
    public void ParameterWrapperGivesItsTensor()
    {
        var p = new TorchPickleBuilder().Global("torch._utils", "_rebuild_parameter").Op('(')
            .Tensor("torch.DoubleStorage", "0", 2, 0, [2], [1]).Op(0x88).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R').Stop();
        var t = LoadOne(p, ("data/0", BitConverter.GetBytes(1.5).Concat(BitConverter.GetBytes(-2.0)).ToArray()));
        Assert.Equal(ScalarType.Float64, t.DType);
        Assert.Equal([1.5, -2.0], t.ToDoubleArray());
    }

    [Fact]
    public void BigEndianArchivesAreSwapped()
    {
        var data = new byte[] { 0x3F, 0x80, 0, 0, 0x40, 0, 0, 0 }; // 1.0f, 2.0f big-endian
        var t = LoadOne(new TorchPickleBuilder().Tensor("FloatStorage", "0", 2, 0, [2], [1]).Stop(), ("byteorder", "big"u8.ToArray()), ("data/0", data));
        Assert.Equal([1f, 2f], t.ToFloatArray());
    }

    [Theory]
    [InlineData(1_000_000_000_000_000L, 0, new long[] { 4 }, new long[] { 1 }, "file holds only")]
    [InlineData(10L, 0, new long[] { 100 }, new long[] { 1 }, "beyond")]
    [InlineData(10L, 5, new long[] { 2, 3 }, new long[] { 3, 1 }, "beyond")]
    [InlineData(10L, 0, new long[] { 1_000_000, 1_000_000 }, new long[] { 0, 0 }, "expand")]
    [InlineData(10L, 0, new long[] { 4 }, new long[] { 1, 1 }, "rank")]
    [InlineData(10L, 0, new long[] { long.MaxValue, 4 }, new long[] { 1, 1 }, "overflow")]
    public void ImpossibleSizesAreRefusedBeforeAllocation(long numel, long offset, long[] size, long[] stride, string expected)
    {
        var p = new TorchPickleBuilder().Tensor("FloatStorage", "0", numel, offset, size, stride).Stop();
        var e = Assert.Throws<InvalidDataException>(() => TorchPickleBuilder.Load(TorchPickleBuilder.Zip(p, ("data/0", Ten))));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingStorageRecordAndUnknownStorageTypeAreNamed()
    {
        var p = new TorchPickleBuilder().Tensor("FloatStorage", "7", 10, 0, [10], [1]).Stop();
        Assert.Contains("data/7", Assert.Throws<InvalidDataException>(() => TorchPickleBuilder.Load(TorchPickleBuilder.Zip(p, ("data/0", Ten)))).Message);
        var q = new TorchPickleBuilder().Tensor("QUInt8Storage", "0", 10, 0, [10], [1]).Stop();
        Assert.Contains("QUInt8Storage", Assert.Throws<InvalidDataException>(() => TorchPickleBuilder.Load(TorchPickleBuilder.Zip(q, ("data/0", Ten)))).Message);
    }

    [Fact]
    public void CorruptRecordFailsItsCrc()
    {
        var p = new TorchPickleBuilder().Tensor("FloatStorage", "0", 10, 0, [10], [1]).Stop();
        var file = TorchPickleBuilder.Zip(p, ("data/0", Ten));
        int at = file.AsSpan().IndexOf(Ten.AsSpan(4, 8));
        file[at] ^= 0x40;
        Assert.Contains("CRC", Assert.Throws<InvalidDataException>(() => TorchPickleBuilder.Load(file)).Message);
    }

    [Fact]
    public void NotACheckpointIsSaidSo()
    {
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => TorchPickleBuilder.Load([])).Message);
        Assert.Contains("not a PyTorch checkpoint", Assert.Throws<InvalidDataException>(() => TorchPickleBuilder.Load("hello world, not a model"u8.ToArray())).Message);
        // A plain pickle (no torch magic number) is not a legacy checkpoint either.
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => TorchPickleBuilder.Load(new TorchPickleBuilder().Int(5).Stop())).Message);
    }
}
