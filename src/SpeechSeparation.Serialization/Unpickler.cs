using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace SpeechSeparation.Serialization;

/// <summary>Torch-specific hooks of the unpickler: persistent ids (storages) and the tensor-rebuilding functions.</summary>
internal interface IPickleResolver
{
    /// <summary>Resolves a persistent id (a <c>('storage', ...)</c> tuple in torch files).</summary>
    object? PersistentLoad(object? pid);

    /// <summary>Handles a call of a known function; false leaves it to the generic rules.</summary>
    bool TryCall(PythonGlobal callable, IReadOnlyList<object?> args, out object? result);
}

/// <summary>
/// A safe unpickler for protocols 0–5. It interprets the pickle virtual machine's opcodes itself and never imports a
/// module or calls a Python function: builtin containers and scalars become .NET values, torch tensors are rebuilt by
/// the <see cref="IPickleResolver"/>, and every other global becomes an inert <see cref="PythonObject"/> placeholder.
/// All damage is reported as <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class Unpickler
{
    private readonly PickleInput _in;
    private readonly IPickleResolver? _resolver;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];

    public Unpickler(PickleInput input, IPickleResolver? resolver)
    {
        _in = input;
        _resolver = resolver;
    }

    /// <summary>Runs the pickle up to its STOP opcode and returns the object it built.</summary>
    public object? Load()
    {
        while (true)
        {
            long at = _in.Position;
            byte op = _in.ReadByte();
            try
            {
                if (Step(op)) break;
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith("pickle", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"pickle opcode 0x{op:x2} at offset {at}: {e.Message}", e);
            }
        }
        if (_stack.Count == 0) throw new InvalidDataException("pickle: STOP with an empty stack.");
        return _stack[^1];
    }

    private bool Step(byte op)
    {
        switch (op)
        {
            case 0x80: // PROTO
            {
                int v = _in.ReadByte();
                if (v > 5) throw new InvalidDataException($"pickle: unsupported protocol {v}.");
                return false;
            }
            case 0x95: // FRAME
            {
                ulong n = _in.ReadUInt64();
                if (n > (ulong)Math.Max(_in.Remaining, 0)) throw new InvalidDataException($"pickle: frame of {n} bytes exceeds the {_in.Remaining} bytes left.");
                return false;
            }
            case (byte)'.': return true; // STOP
            case (byte)'(': _marks.Push(_stack.Count); return false; // MARK
            case (byte)'0': // POP
                if (_marks.Count > 0 && _marks.Peek() == _stack.Count) _marks.Pop();
                else Pop();
                return false;
            case (byte)'1': PopMark(); return false; // POP_MARK
            case (byte)'2': Push(Peek()); return false; // DUP

            // ---- scalars ----
            case (byte)'N': Push(null); return false;
            case 0x88: Push(true); return false;
            case 0x89: Push(false); return false;
            case (byte)'K': Push((long)_in.ReadByte()); return false;
            case (byte)'M': Push((long)_in.ReadUInt16()); return false;
            case (byte)'J': Push((long)_in.ReadInt32()); return false;
            case 0x8a: Push(DecodeLong(_in.ReadBytes(_in.ReadByte(), "LONG1 bytes"))); return false;
            case 0x8b:
            {
                int n = _in.ReadInt32();
                if (n < 0) throw new InvalidDataException("pickle: negative LONG4 length.");
                Push(DecodeLong(_in.ReadBytes(n, "LONG4 bytes")));
                return false;
            }
            case (byte)'I': // INT (text); protocol 0 spells bools "01"/"00"
            {
                var s = Ascii(_in.ReadLine("INT"));
                if (s == "01") Push(true);
                else if (s == "00") Push(false);
                else Push(ParseInteger(s));
                return false;
            }
            case (byte)'L': // LONG (text)
            {
                var s = Ascii(_in.ReadLine("LONG"));
                if (s.EndsWith('L')) s = s[..^1];
                Push(ParseInteger(s));
                return false;
            }
            case (byte)'F': Push(ParseFloat(Ascii(_in.ReadLine("FLOAT")))); return false;
            case (byte)'G': Push(_in.ReadDoubleBigEndian()); return false;

            // ---- strings and bytes ----
            case (byte)'X': Push(Utf8(_in.ReadBytes(_in.ReadUInt32(), "BINUNICODE text"))); return false;
            case 0x8c: Push(Utf8(_in.ReadBytes(_in.ReadByte(), "SHORT_BINUNICODE text"))); return false;
            case 0x8d: Push(Utf8(_in.ReadBytes(ToLength(_in.ReadUInt64()), "BINUNICODE8 text"))); return false;
            case (byte)'V': Push(RawUnicodeEscape(_in.ReadLine("UNICODE"))); return false;
            case (byte)'S': Push(LegacyString(UnquotePython2(Ascii(_in.ReadLine("STRING"))))); return false;
            case (byte)'T':
            {
                int n = _in.ReadInt32();
                Push(LegacyString(_in.ReadBytes(n, "BINSTRING bytes")));
                return false;
            }
            case (byte)'U': Push(LegacyString(_in.ReadBytes(_in.ReadByte(), "SHORT_BINSTRING bytes"))); return false;
            case (byte)'B': Push(_in.ReadBytes(_in.ReadUInt32(), "BINBYTES")); return false;
            case (byte)'C': Push(_in.ReadBytes(_in.ReadByte(), "SHORT_BINBYTES")); return false;
            case 0x8e: Push(_in.ReadBytes(ToLength(_in.ReadUInt64()), "BINBYTES8")); return false;
            case 0x96: Push(_in.ReadBytes(ToLength(_in.ReadUInt64()), "BYTEARRAY8")); return false;
            case 0x97: throw new InvalidDataException("pickle: out-of-band buffers (NEXT_BUFFER) are not supported.");
            case 0x98: Peek(); return false; // READONLY_BUFFER

            // ---- containers ----
            case (byte)')': Push(PythonTuple.Empty); return false;
            case 0x85: { var a = Pop(); Push(new PythonTuple(a)); return false; }
            case 0x86: { var b = Pop(); var a = Pop(); Push(new PythonTuple(a, b)); return false; }
            case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PythonTuple(a, b, c)); return false; }
            case (byte)'t': Push(new PythonTuple(PopMark())); return false;
            case (byte)']': Push(new List<object?>()); return false;
            case (byte)'l': Push(PopMark()); return false;
            case (byte)'}': Push(new PythonDict()); return false;
            case (byte)'d':
            {
                var items = PopMark();
                var d = new PythonDict();
                SetItems(d, items);
                Push(d);
                return false;
            }
            case 0x8f: Push(new PythonSet()); return false;
            case 0x91: Push(new PythonSet(PopMark(), frozen: true)); return false;
            case (byte)'a': // APPEND
            {
                var v = Pop();
                AppendTo(Peek(), [v]);
                return false;
            }
            case (byte)'e': // APPENDS
            {
                var items = PopMark();
                AppendTo(Peek(), items);
                return false;
            }
            case (byte)'s': // SETITEM
            {
                var v = Pop();
                var k = Pop();
                SetItemsOn(Peek(), [k, v]);
                return false;
            }
            case (byte)'u': // SETITEMS
            {
                var items = PopMark();
                SetItemsOn(Peek(), items);
                return false;
            }
            case 0x90: // ADDITEMS
            {
                var items = PopMark();
                if (Peek() is not PythonSet set) throw new InvalidDataException("pickle: ADDITEMS on something that is not a set.");
                foreach (var i in items) set.Add(i);
                return false;
            }

            // ---- memo ----
            case (byte)'p': _memo[ParseMemoKey(Ascii(_in.ReadLine("PUT")))] = Peek(); return false;
            case (byte)'q': _memo[_in.ReadByte()] = Peek(); return false;
            case (byte)'r': _memo[_in.ReadUInt32()] = Peek(); return false;
            case 0x94: _memo[_memo.Count] = Peek(); return false; // MEMOIZE
            case (byte)'g': Push(MemoGet(ParseMemoKey(Ascii(_in.ReadLine("GET"))))); return false;
            case (byte)'h': Push(MemoGet(_in.ReadByte())); return false;
            case (byte)'j': Push(MemoGet(_in.ReadUInt32())); return false;

            // ---- globals, calls, objects ----
            case (byte)'c': // GLOBAL
            {
                var module = Ascii(_in.ReadLine("GLOBAL module"));
                var name = Ascii(_in.ReadLine("GLOBAL name"));
                Push(new PythonGlobal(module, name));
                return false;
            }
            case 0x93: // STACK_GLOBAL
            {
                var name = Pop();
                var module = Pop();
                if (module is not string m || name is not string n) throw new InvalidDataException("pickle: STACK_GLOBAL needs two strings.");
                Push(new PythonGlobal(m, n));
                return false;
            }
            case (byte)'R': // REDUCE
            {
                var args = Pop();
                var callable = Pop();
                Push(Call(callable, AsArguments(args, "REDUCE")));
                return false;
            }
            case 0x81: // NEWOBJ
            {
                var args = Pop();
                var cls = Pop();
                Push(Call(cls, AsArguments(args, "NEWOBJ")));
                return false;
            }
            case 0x92: // NEWOBJ_EX
            {
                var kwargs = Pop();
                var args = Pop();
                var cls = Pop();
                var result = Call(cls, AsArguments(args, "NEWOBJ_EX"));
                if (result is PythonObject o && kwargs is PythonDict { Count: > 0 } kw)
                    result = new PythonObject(o.Module, o.Name, o.Arguments, o.State) { KeywordArguments = kw };
                Push(result);
                return false;
            }
            case (byte)'i': // INST
            {
                var module = Ascii(_in.ReadLine("INST module"));
                var name = Ascii(_in.ReadLine("INST name"));
                Push(Call(new PythonGlobal(module, name), PopMark()));
                return false;
            }
            case (byte)'o': // OBJ
            {
                var items = PopMark();
                if (items.Count == 0) throw new InvalidDataException("pickle: OBJ without a class.");
                Push(Call(items[0], items.GetRange(1, items.Count - 1)));
                return false;
            }
            case (byte)'b': // BUILD
            {
                var state = Pop();
                Build(Peek(), state);
                return false;
            }
            case (byte)'P': // PERSID
                Push(PersistentLoad(Ascii(_in.ReadLine("PERSID"))));
                return false;
            case (byte)'Q': // BINPERSID
                Push(PersistentLoad(Pop()));
                return false;
            case 0x82 or 0x83 or 0x84:
                throw new InvalidDataException("pickle: copyreg extension codes (EXT1/EXT2/EXT4) are not supported.");
            default:
                throw new InvalidDataException($"pickle: unknown opcode 0x{op:x2} at offset {_in.Position - 1} (not a pickle, or corrupt).");
        }
    }

    // ------------------------------------------------------------------ stack

    private void Push(object? v) => _stack.Add(v);

    private object? Pop()
    {
        int floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count <= floor) throw new InvalidDataException($"pickle: stack underflow at offset {_in.Position - 1}.");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek()
    {
        int floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count <= floor) throw new InvalidDataException($"pickle: stack underflow at offset {_in.Position - 1}.");
        return _stack[^1];
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw new InvalidDataException($"pickle: no MARK on the stack at offset {_in.Position - 1}.");
        int m = _marks.Pop();
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private object? MemoGet(long key) =>
        _memo.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"pickle: memo entry {key} read before it was written.");

    // ------------------------------------------------------------------ containers

    private static void AppendTo(object? target, List<object?> items)
    {
        switch (target)
        {
            case List<object?> list: list.AddRange(items); break;
            case PythonObject o: foreach (var i in items) o.Append(i); break;
            case PythonSet s: foreach (var i in items) s.Add(i); break;
            default: throw new InvalidDataException($"pickle: APPEND on {Describe(target)}.");
        }
    }

    private static void SetItemsOn(object? target, List<object?> items)
    {
        switch (target)
        {
            case PythonDict d: SetItems(d, items); break;
            case PythonObject o:
                if (items.Count % 2 != 0) throw new InvalidDataException("pickle: SETITEMS with an odd number of items.");
                for (int i = 0; i < items.Count; i += 2) o.SetItem(items[i], items[i + 1]);
                break;
            default: throw new InvalidDataException($"pickle: SETITEM on {Describe(target)}.");
        }
    }

    private static void SetItems(PythonDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw new InvalidDataException("pickle: SETITEMS with an odd number of items.");
        for (int i = 0; i < items.Count; i += 2) d.Set(CheckKey(items[i]), items[i + 1]);
    }

    private static object? CheckKey(object? key) => key switch
    {
        List<object?> or PythonDict or PythonSet { IsFrozen: false } =>
            throw new InvalidDataException($"pickle: unhashable dict key {Describe(key)}."),
        _ => key,
    };

    private static void Build(object? target, object? state)
    {
        switch (target)
        {
            case PythonObject o: o.State = state; break;
            case PythonDict d:
                if (state is PythonDict attrs) d.Attributes = attrs;
                else if (state is PythonTuple { Count: 2 } t && t[0] is PythonDict a) d.Attributes = a;
                break;
            case HostTensor or List<object?> or PythonSet or PythonTuple or TorchStorage:
                break; // Python-level attributes of a tensor or container carry nothing we keep.
            default: throw new InvalidDataException($"pickle: BUILD on {Describe(target)}.");
        }
    }

    // ------------------------------------------------------------------ calls

    private static IReadOnlyList<object?> AsArguments(object? args, string op) => args switch
    {
        PythonTuple t => t,
        List<object?> l => l,
        _ => throw new InvalidDataException($"pickle: {op} arguments must be a tuple, not {Describe(args)}."),
    };

    private object? PersistentLoad(object? pid)
    {
        if (_resolver is null) throw new InvalidDataException("pickle: unexpected persistent id outside a checkpoint's main object.");
        return _resolver.PersistentLoad(pid);
    }

    private object? Call(object? callable, IReadOnlyList<object?> args)
    {
        if (callable is PythonObject po) return new PythonObject(po.Module, po.Name + "()", args); // calling an opaque object stays opaque
        if (callable is not PythonGlobal g) throw new InvalidDataException($"pickle: cannot call {Describe(callable)}.");
        if (_resolver is not null && _resolver.TryCall(g, args, out var result)) return result;
        return CallBuiltin(g, args);
    }

    /// <summary>The few harmless constructors the pickle format itself relies on; everything else becomes a placeholder.</summary>
    private static object? CallBuiltin(PythonGlobal g, IReadOnlyList<object?> args)
    {
        string module = g.Module == "__builtin__" ? "builtins" : g.Module == "copy_reg" ? "copyreg" : g.Module;
        switch (module, g.Name)
        {
            case ("collections", "OrderedDict"):
            case ("builtins", "dict"):
            case ("collections", "defaultdict"):
            {
                var d = new PythonDict(ordered: g.Name == "OrderedDict");
                if (g.Name != "defaultdict" && args.Count > 0) FillDict(d, args[0]);
                return d;
            }
            case ("builtins", "list"):
                return args.Count == 0 ? new List<object?>() : new List<object?>(Iterate(args[0]));
            case ("builtins", "tuple"):
                return args.Count == 0 ? PythonTuple.Empty : new PythonTuple(Iterate(args[0]));
            case ("builtins", "set"):
            case ("builtins", "frozenset"):
                return new PythonSet(args.Count == 0 ? [] : Iterate(args[0]), frozen: g.Name == "frozenset");
            case ("builtins", "bytes"):
            case ("builtins", "bytearray"):
                if (args.Count == 0) return Array.Empty<byte>();
                if (args[0] is byte[] b) return b;
                if (args[0] is string s && args.Count >= 2 && args[1] is string enc) return Encode(s, enc);
                if (args[0] is List<object?> ints) return ints.Select(i => i is long v and >= 0 and <= 255 ? (byte)v : throw new InvalidDataException("pickle: bytes() from a list of non-bytes.")).ToArray();
                break;
            case ("_codecs", "encode"):
                if (args.Count >= 1 && args[0] is string text)
                    return Encode(text, args.Count >= 2 && args[1] is string e ? e : "utf-8");
                break;
            case ("builtins", "complex"):
                if (args.Count >= 1 && ToDouble(args[0]) is { } re)
                    return new Complex(re, args.Count >= 2 && ToDouble(args[1]) is { } im ? im : 0);
                break;
            case ("builtins", "float"):
                if (args.Count == 1 && args[0] is string fs) return ParseFloat(fs);
                if (args.Count == 1 && ToDouble(args[0]) is { } fv) return fv;
                break;
            case ("builtins", "int"):
                if (args.Count == 1 && args[0] is long iv) return iv;
                if (args.Count == 1 && args[0] is string ist) return ParseInteger(ist);
                break;
            case ("builtins", "str"):
                if (args.Count == 1 && args[0] is string str) return str;
                break;
            case ("builtins", "bool"):
                if (args.Count == 1 && args[0] is bool bv) return bv;
                break;
            case ("copyreg", "_reconstructor"):
                // copyreg._reconstructor(cls, base, state): protocol 0/1 spelling of "new instance of cls".
                if (args.Count >= 1 && args[0] is PythonGlobal cls)
                    return new PythonObject(cls.Module, cls.Name, args.Count >= 3 && args[2] is not null ? [args[2]] : []);
                break;
            case ("copyreg", "__newobj__"):
                if (args.Count >= 1 && args[0] is PythonGlobal cls2) return new PythonObject(cls2.Module, cls2.Name, args.Skip(1).ToList());
                break;
            case ("numpy.core.multiarray", "scalar"):
            case ("numpy._core.multiarray", "scalar"):
                if (NumpyScalar(args) is { } scalar) return scalar;
                break;
        }
        return new PythonObject(g.Module, g.Name, args);
    }

    private static void FillDict(PythonDict d, object? source)
    {
        switch (source)
        {
            case PythonDict other:
                foreach (var kv in other.Items) d.Set(kv.Key, kv.Value);
                return;
            case null:
                return;
            default:
                foreach (var pair in Iterate(source))
                {
                    if (pair is not IReadOnlyList<object?> { Count: 2 } kv) throw new InvalidDataException("pickle: dict built from something that is not a list of pairs.");
                    d.Set(CheckKey(kv[0]), kv[1]);
                }
                return;
        }
    }

    private static IEnumerable<object?> Iterate(object? source) => source switch
    {
        IReadOnlyList<object?> l => l,
        PythonDict d => d.Items.Select(kv => kv.Key),
        string s => s.Select(c => (object?)c.ToString()),
        byte[] b => b.Select(x => (object?)(long)x),
        null => [],
        _ => throw new InvalidDataException($"pickle: cannot iterate {Describe(source)}."),
    };

    private static byte[] Encode(string text, string encoding) => encoding.ToLowerInvariant().Replace('_', '-') switch
    {
        "latin1" or "latin-1" or "iso-8859-1" or "iso8859-1" => Encoding.Latin1.GetBytes(text),
        "utf-8" or "utf8" => Encoding.UTF8.GetBytes(text),
        "ascii" => Encoding.ASCII.GetBytes(text),
        _ => throw new InvalidDataException($"pickle: unsupported text encoding '{encoding}'."),
    };

    /// <summary><c>numpy.core.multiarray.scalar(dtype, raw bytes)</c> for the common numeric dtypes; null otherwise.</summary>
    private static object? NumpyScalar(IReadOnlyList<object?> args)
    {
        if (args.Count < 2 || args[0] is not PythonObject { Name: "dtype" } dt || args[1] is not byte[] raw) return null;
        if (dt.Arguments.Count < 1 || dt.Arguments[0] is not string code) return null;
        bool big = dt.State is PythonTuple st && st.Count > 1 && st[1] is ">";
        var b = (byte[])raw.Clone();
        if (big) Array.Reverse(b);
        return (code, b.Length) switch
        {
            ("f8", 8) => BinaryPrimitives.ReadDoubleLittleEndian(b),
            ("f4", 4) => (double)BinaryPrimitives.ReadSingleLittleEndian(b),
            ("f2", 2) => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
            ("i8", 8) => BinaryPrimitives.ReadInt64LittleEndian(b),
            ("i4", 4) => (long)BinaryPrimitives.ReadInt32LittleEndian(b),
            ("i2", 2) => (long)BinaryPrimitives.ReadInt16LittleEndian(b),
            ("i1", 1) => (long)(sbyte)b[0],
            ("u8", 8) => UnsignedToObject(BinaryPrimitives.ReadUInt64LittleEndian(b)),
            ("u4", 4) => (long)BinaryPrimitives.ReadUInt32LittleEndian(b),
            ("u2", 2) => (long)BinaryPrimitives.ReadUInt16LittleEndian(b),
            ("u1", 1) => (long)b[0],
            ("b1", 1) => b[0] != 0,
            _ => null,
        };
    }

    private static object UnsignedToObject(ulong u) => u <= long.MaxValue ? (long)u : new BigInteger(u);

    private static double? ToDouble(object? v) => v switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => null,
    };

    // ------------------------------------------------------------------ decoding

    private static object DecodeLong(byte[] b)
    {
        if (b.Length == 0) return 0L;
        if (b.Length <= 8)
        {
            long v = 0;
            for (int i = b.Length - 1; i >= 0; i--) v = (v << 8) | b[i];
            int shift = 64 - 8 * b.Length;
            return shift == 0 ? v : (v << shift) >> shift; // sign-extend
        }
        var big = new BigInteger(b, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    private static object ParseInteger(string s)
    {
        s = s.Trim();
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        if (s.Length <= 10000 && BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b)) return b;
        throw new InvalidDataException($"pickle: bad integer '{Cut(s)}'.");
    }

    private static double ParseFloat(string s)
    {
        s = s.Trim();
        switch (s.ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity": return double.PositiveInfinity;
            case "-inf" or "-infinity": return double.NegativeInfinity;
            case "nan" or "-nan" or "+nan": return double.NaN;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d : throw new InvalidDataException($"pickle: bad float '{Cut(s)}'.");
    }

    private static long ParseMemoKey(string s) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : throw new InvalidDataException($"pickle: bad memo key '{Cut(s)}'.");

    private static long ToLength(ulong n) => n > long.MaxValue ? throw new InvalidDataException($"pickle: length {n} out of range.") : (long)n;

    private static string Ascii(byte[] b) => Encoding.Latin1.GetString(b);

    private static string Utf8(byte[] b)
    {
        try { return new UTF8Encoding(false, true).GetString(b); }
        catch (DecoderFallbackException)
        {
            // Python writes lone surrogates with 'surrogatepass'; keep the text readable instead of failing the load.
            return Encoding.UTF8.GetString(b);
        }
    }

    /// <summary>Python 2 <c>str</c> values: torch.load decodes them as UTF-8 (Latin-1 when that fails).</summary>
    private static string LegacyString(byte[] b)
    {
        try { return new UTF8Encoding(false, true).GetString(b); }
        catch (DecoderFallbackException) { return Encoding.Latin1.GetString(b); }
    }

    private static string RawUnicodeEscape(byte[] b)
    {
        var sb = new StringBuilder(b.Length);
        for (int i = 0; i < b.Length; i++)
        {
            if (b[i] == '\\' && i + 1 < b.Length && (b[i + 1] == 'u' || b[i + 1] == 'U'))
            {
                int digits = b[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + digits > b.Length) throw new InvalidDataException("pickle: truncated \\u escape in UNICODE.");
                var hex = Encoding.ASCII.GetString(b, i + 2, digits);
                if (!int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp) || cp < 0 || cp > 0x10FFFF)
                    throw new InvalidDataException($"pickle: bad escape \\{(char)b[i + 1]}{hex} in UNICODE.");
                if (cp >= 0xD800 && cp <= 0xDFFF) sb.Append((char)cp);
                else sb.Append(char.ConvertFromUtf32(cp));
                i += 1 + digits;
            }
            else sb.Append((char)b[i]);
        }
        return sb.ToString();
    }

    /// <summary>Decodes a Python 2 string literal (<c>'...'</c> or <c>"..."</c> with backslash escapes) to bytes.</summary>
    private static byte[] UnquotePython2(string s)
    {
        if (s.Length < 2 || (s[0] != '\'' && s[0] != '"') || s[^1] != s[0]) throw new InvalidDataException($"pickle: STRING argument is not quoted: {Cut(s)}");
        var body = s[1..^1];
        var o = new List<byte>(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c != '\\' || i + 1 >= body.Length) { o.Add((byte)c); continue; }
            char e = body[++i];
            switch (e)
            {
                case 'n': o.Add((byte)'\n'); break;
                case 'r': o.Add((byte)'\r'); break;
                case 't': o.Add((byte)'\t'); break;
                case 'a': o.Add(7); break;
                case 'b': o.Add(8); break;
                case 'f': o.Add(12); break;
                case 'v': o.Add(11); break;
                case '\\': o.Add((byte)'\\'); break;
                case '\'': o.Add((byte)'\''); break;
                case '"': o.Add((byte)'"'); break;
                case '\n': break;
                case 'x':
                    if (i + 2 >= body.Length || !byte.TryParse(body.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte hx))
                        throw new InvalidDataException("pickle: bad \\x escape in STRING.");
                    o.Add(hx);
                    i += 2;
                    break;
                case >= '0' and <= '7':
                {
                    int v = e - '0', n = 1;
                    while (n < 3 && i + 1 < body.Length && body[i + 1] is >= '0' and <= '7') { v = v * 8 + (body[++i] - '0'); n++; }
                    o.Add((byte)(v & 0xFF));
                    break;
                }
                default: o.Add((byte)'\\'); o.Add((byte)e); break;
            }
        }
        return [.. o];
    }

    private static string Cut(string s) => s.Length > 60 ? s[..60] + "..." : s;

    internal static string Describe(object? v) => v switch
    {
        null => "None",
        PythonGlobal g => $"global {g.FullName}",
        PythonObject o => $"a {o.FullName} object",
        HostTensor t => $"a tensor {t}",
        TorchStorage s => $"a {s.DType.TorchName()} storage",
        List<object?> => "a list",
        PythonTuple => "a tuple",
        PythonDict => "a dict",
        string => "a str",
        byte[] => "bytes",
        long or BigInteger => "an int",
        double => "a float",
        bool => "a bool",
        _ => v.GetType().Name,
    };
}
