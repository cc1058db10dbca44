namespace SpeechSeparation.Serialization;

/// <summary>
/// A storage named by a checkpoint's persistent id: its key, element type and element count, the bytes once read, and
/// for the legacy format's storage views the root storage and the element offset into it.
/// </summary>
internal sealed class TorchStorage
{
    public TorchStorage(string key, ScalarType dtype, long elementCount, TorchStorage? root = null, long rootOffset = 0)
    {
        Key = key;
        DType = dtype;
        ElementCount = elementCount;
        Root = root;
        RootElementOffset = rootOffset;
    }

    /// <summary>The storage key (zip: <c>data/&lt;key&gt;</c>; legacy: the key in the storage list).</summary>
    public string Key { get; }

    /// <summary>Element type of the storage (<see cref="ScalarType.UInt8"/> for an untyped storage).</summary>
    public ScalarType DType { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount { get; }

    /// <summary>Size in bytes.</summary>
    public long ByteLength => checked(ElementCount * DType.ElementSize());

    /// <summary>For a legacy storage view, the storage it views; else null.</summary>
    public TorchStorage? Root { get; }

    /// <summary>For a legacy storage view, its first element's index in <see cref="Root"/>.</summary>
    public long RootElementOffset { get; }

    /// <summary>The bytes, once read (root storages only).</summary>
    public byte[]? Data { get; set; }
}
