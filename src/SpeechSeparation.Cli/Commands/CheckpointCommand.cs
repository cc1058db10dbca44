using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SpeechSeparation.Serialization;

namespace SpeechSeparation.Cli.Commands;

/// <summary>
/// <c>speechsep checkpoint FILE [--json] [--key SUBKEY]</c>: lists every tensor of a <c>torch.save</c> file (zip or
/// legacy) or safetensors file — name, dtype, shape, element count — then the non-tensor entries (epoch, optimizer
/// settings, placeholder objects…), and the parameter count of the state dict found in it.
/// </summary>
public sealed class CheckpointCommand : CliCommand
{
    /// <inheritdoc />
    public override string Name => "checkpoint";

    /// <inheritdoc />
    public override string Summary => "list the tensors, other entries and parameter count of a .pt/.bin/safetensors file";

    private readonly Argument<string> _file = new("file") { Description = "A torch.save file (zip or legacy) or a safetensors file." };
    private readonly Option<string> _key = new("--key") { Description = "Take the state dict under this key (e.g. model)." };
    private readonly Option<bool> _json = CommonOptions.Json();

    /// <inheritdoc />
    protected override void Configure(Command command)
    {
        command.Arguments.Add(_file);
        command.Options.Add(_key);
        command.Options.Add(_json);
    }

    /// <inheritdoc />
    protected override int Execute(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string file = parse.GetValue(_file)!;
        string? subKey = parse.GetValue(_key);
        bool json = parse.GetValue(_json);
        if (!File.Exists(file)) throw new FileNotFoundException($"No such file: {file}", file);

        var format = DetectFormat(file);
        var root = TorchCheckpoint.Load(file);
        var leaves = TorchCheckpoint.Flatten(root);
        var tensors = leaves.Where(e => e.Tensor is not null).ToList();
        var others = leaves.Where(e => e.Tensor is null).ToList();
        long totalElements = tensors.Sum(e => e.Tensor!.ElementCount);

        IReadOnlyDictionary<string, HostTensor>? stateDict = null;
        string? stateDictNote = null;
        try { stateDict = StateDict.Extract(root, subKey, stripDataParallelPrefix: false); }
        catch (InvalidDataException e) { stateDictNote = e.Message; }
        long? parameterCount = stateDict is null ? null : StateDict.TotalElements(stateDict);

        if (json) WriteJson(stdout, file, format, tensors, others, totalElements, stateDict, parameterCount, stateDictNote);
        else WriteText(stdout, file, format, tensors, others, totalElements, stateDict, parameterCount, stateDictNote);
        return 0;
    }

    private static CheckpointFormat DetectFormat(string file)
    {
        using var fs = File.OpenRead(file);
        var head = new byte[Math.Min(512, fs.Length)];
        fs.ReadExactly(head);
        return TorchCheckpoint.DetectFormat(head);
    }

    private static string Shape(HostTensor t) => "[" + string.Join(", ", t.Shape) + "]";

    private static string TypeName(object? v) => v switch
    {
        null => "None",
        bool => "bool",
        long or System.Numerics.BigInteger => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        PythonDict d => d.IsOrdered ? "OrderedDict" : "dict",
        List<object?> => "list",
        PythonTuple => "tuple",
        PythonSet s => s.IsFrozen ? "frozenset" : "set",
        PythonObject o => o.FullName,
        PythonGlobal g => "global " + g.FullName,
        _ => v.GetType().Name,
    };

    private static void WriteText(TextWriter w, string file, CheckpointFormat format, List<CheckpointEntry> tensors, List<CheckpointEntry> others,
                                  long totalElements, IReadOnlyDictionary<string, HostTensor>? stateDict, long? parameterCount, string? note)
    {
        w.WriteLine($"{file}  ({FormatName(format)})");
        int nameWidth = Math.Clamp(tensors.Count == 0 ? 4 : tensors.Max(e => e.Path.Length), 4, 80);
        w.WriteLine($"tensors ({tensors.Count}):");
        foreach (var e in tensors)
        {
            var t = e.Tensor!;
            w.WriteLine($"  {e.Path.PadRight(nameWidth)}  {t.DType.TorchName(),-9} {Shape(t),-20} {t.ElementCount.ToString("N0", CultureInfo.InvariantCulture),14}");
        }
        w.WriteLine($"other entries ({others.Count}):");
        foreach (var e in others)
            w.WriteLine($"  {(e.Path.Length == 0 ? "(root)" : e.Path)} = {PythonRepr.Format(e.Value, 160)}  [{TypeName(e.Value)}]");
        w.WriteLine($"total: {tensors.Count} tensors, {totalElements.ToString("N0", CultureInfo.InvariantCulture)} elements");
        if (stateDict is not null)
            w.WriteLine($"state dict: {stateDict.Count} entries, parameter count {parameterCount!.Value.ToString("N0", CultureInfo.InvariantCulture)} (elements of all entries, persistent buffers included)");
        else
            w.WriteLine($"state dict: not identified ({note})");
    }

    private static void WriteJson(TextWriter w, string file, CheckpointFormat format, List<CheckpointEntry> tensors, List<CheckpointEntry> others,
                                  long totalElements, IReadOnlyDictionary<string, HostTensor>? stateDict, long? parameterCount, string? note)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            j.WriteStartObject();
            j.WriteString("file", file);
            j.WriteString("format", FormatName(format));
            j.WriteStartArray("tensors");
            foreach (var e in tensors)
            {
                var t = e.Tensor!;
                j.WriteStartObject();
                j.WriteString("name", e.Path);
                j.WriteString("dtype", t.DType.TorchName());
                j.WriteStartArray("shape");
                foreach (var d in t.Shape) j.WriteNumberValue(d);
                j.WriteEndArray();
                j.WriteNumber("elements", t.ElementCount);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartArray("entries");
            foreach (var e in others)
            {
                j.WriteStartObject();
                j.WriteString("name", e.Path);
                j.WriteString("type", TypeName(e.Value));
                switch (e.Value)
                {
                    case null: j.WriteNull("value"); break;
                    case bool b: j.WriteBoolean("value", b); break;
                    case long l: j.WriteNumber("value", l); break;
                    case double d when double.IsFinite(d): j.WriteNumber("value", d); break;
                    case string s: j.WriteString("value", s); break;
                    default: j.WriteString("value", PythonRepr.Format(e.Value, 400)); break;
                }
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteNumber("tensor_count", tensors.Count);
            j.WriteNumber("total_elements", totalElements);
            if (stateDict is not null)
            {
                j.WriteStartObject("state_dict");
                j.WriteNumber("entries", stateDict.Count);
                j.WriteNumber("parameter_count", parameterCount!.Value);
                j.WriteEndObject();
            }
            else
            {
                j.WriteNull("state_dict");
                j.WriteString("state_dict_note", note);
            }
            j.WriteEndObject();
        }
        w.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    private static string FormatName(CheckpointFormat f) => f switch
    {
        CheckpointFormat.TorchZip => "torch zip",
        CheckpointFormat.TorchLegacy => "torch legacy",
        CheckpointFormat.SafeTensors => "safetensors",
        _ => "unknown",
    };
}
