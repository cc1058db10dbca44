using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace SpeechSeparation.Tests.Common;

/// <summary>
/// Finds, in compiled IL, every call that lets TorchSharp create a temporary <c>Scalar</c> nobody keeps alive (see
/// <c>SpeechSeparation.Tensors.KeptScalars</c>): an implicit number→Scalar conversion, or a call to a TorchSharp member
/// that makes one internally (<c>Tensor + Tensor</c>, <c>Tensor * double</c>, <c>nn.PReLU(…)</c>, a module whose forward
/// does, …). TorchSharp's own IL decides which members are hazardous: those that call a Scalar-creating conversion
/// without disposing it, and, transitively, those that call them.
/// </summary>
/// <remarks>
/// Creating a scalar is allowed in a static constructor (a static field keeps it) and in a method that also calls
/// <c>Dispose</c> (the <c>using var s = v.ToScalar()</c> pattern keeps it reachable until after the call).
/// </remarks>
public static class ScalarLifetimeScan
{
    /// <summary>One offending call: where (source file and line when a PDB is present) and what it calls.</summary>
    public sealed record Site(string Assembly, string Method, string Location, string Callee)
    {
        /// <inheritdoc />
        public override string ToString() => $"{Location} ({Method}) calls {Callee}";
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue =
        typeof(OpCodes).GetFields().Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private static readonly Lazy<(HashSet<string> Members, HashSet<string> ModuleTypes)> Hazards = new(FindTorchSharpHazards);

    /// <summary>TorchSharp members (as <c>Type::name(signature)</c>) that create a temporary scalar.</summary>
    public static IReadOnlySet<string> HazardousMembers => Hazards.Value.Members;

    /// <summary>
    /// The offending calls in <paramref name="assemblyPath"/>, skipping methods of types whose full name satisfies
    /// <paramref name="skipType"/>.
    /// </summary>
    public static List<Site> Scan(string assemblyPath, Func<string, bool>? skipType = null)
    {
        var (hazards, moduleTypes) = Hazards.Value;
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var md = pe.GetMetadataReader();
        string pdbPath = Path.ChangeExtension(assemblyPath, ".pdb");
        using var pdbProvider = File.Exists(pdbPath) ? MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdbPath)) : null;
        var pdb = pdbProvider?.GetMetadataReader();
        var sites = new List<Site>();
        foreach (var handle in md.MethodDefinitions)
        {
            var method = md.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0) continue;
            string typeName = TypeDefinitionName(md, method.GetDeclaringType());
            if (skipType?.Invoke(typeName) == true) continue;
            var calls = Calls(md, pe.GetMethodBody(method.RelativeVirtualAddress)).ToList();
            bool keepsItsScalars = md.GetString(method.Name) == ".cctor"
                || calls.Any(c => c.Callee.StartsWith("TorchSharp.Scalar::Dispose(") || c.Callee.StartsWith("System.IDisposable::Dispose("));
            foreach (var (offset, callee) in calls)
            {
                string type = callee[..callee.IndexOf("::", StringComparison.Ordinal)];
                string returns = callee[(callee.LastIndexOf(')') + 1)..];
                bool bad = (CreatesScalar(callee) && !keepsItsScalars) || hazards.Contains(callee)
                    || moduleTypes.Contains(returns) || (callee.Contains("::.ctor(") && moduleTypes.Contains(type));
                if (bad)
                    sites.Add(new Site(Path.GetFileName(assemblyPath), $"{typeName}.{md.GetString(method.Name)}",
                        Locate(pdb, handle, offset) ?? $"IL_{offset:x4}", callee));
            }
        }
        return sites;
    }

    private static bool CreatesScalar(string member) =>
        member.StartsWith("TorchSharp.Scalar::op_Implicit(") || member.StartsWith("TorchSharp.ScalarExtensionMethods::ToScalar(");

    private static (HashSet<string>, HashSet<string>) FindTorchSharpHazards()
    {
        string path = typeof(TorchSharp.torch).Assembly.Location;
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var bodies = new Dictionary<string, List<string>>();
        foreach (var handle in md.MethodDefinitions)
        {
            var method = md.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0) continue;
            bodies[MemberName(md, handle)] = Calls(md, pe.GetMethodBody(method.RelativeVirtualAddress)).Select(c => c.Callee).ToList();
        }
        var hazards = new HashSet<string>();
        foreach (var (name, callees) in bodies)
            if (!CreatesScalar(name) && callees.Any(CreatesScalar) && !callees.Any(c => c.StartsWith("TorchSharp.Scalar::Dispose(")))
                hazards.Add(name);
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (name, callees) in bodies)
                if (!hazards.Contains(name) && !CreatesScalar(name) && callees.Any(hazards.Contains)) grew |= hazards.Add(name);
        }
        // Modules whose forward is hazardous, and their subclasses: building one is flagged (forward is called virtually).
        var moduleTypes = hazards.Where(h => h.Contains("::forward(")).Select(h => h[..h.IndexOf("::", StringComparison.Ordinal)])
            .Where(t => !t.StartsWith("TorchSharp.torch.jit.")).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var th in md.TypeDefinitions)
            {
                var t = md.GetTypeDefinition(th);
                if (t.BaseType.IsNil) continue;
                string baseName = TypeName(md, t.BaseType);
                if (moduleTypes.Any(m => baseName == m || baseName.StartsWith(m + "<", StringComparison.Ordinal)))
                    grew |= moduleTypes.Add(TypeDefinitionName(md, th));
            }
        }
        return (hazards, moduleTypes);
    }

    private static IEnumerable<(int Offset, string Callee)> Calls(MetadataReader md, MethodBodyBlock body)
    {
        var il = body.GetILReader();
        var found = new List<(int, string)>();
        while (il.RemainingBytes > 0)
        {
            int offset = il.Offset;
            short value = il.ReadByte();
            if (value == 0xFE) value = (short)(0xFE00 | il.ReadByte());
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget: case OperandType.ShortInlineI: case OperandType.ShortInlineVar: il.ReadByte(); break;
                case OperandType.InlineVar: il.ReadInt16(); break;
                case OperandType.InlineI8: case OperandType.InlineR: il.ReadInt64(); break;
                case OperandType.InlineSwitch: int n = il.ReadInt32(); il.Offset += 4 * n; break;
                case OperandType.InlineMethod:
                    var token = MetadataTokens.EntityHandle(il.ReadInt32());
                    if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj || op == OpCodes.Ldftn || op == OpCodes.Ldvirtftn)
                        found.Add((offset, MemberName(md, token)));
                    break;
                default: il.ReadInt32(); break;
            }
        }
        return found;
    }

    private static string MemberName(MetadataReader md, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
                var def = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                return $"{TypeDefinitionName(md, def.GetDeclaringType())}::{md.GetString(def.Name)}{Signature(md, def.Signature)}";
            case HandleKind.MemberReference:
                var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                return $"{TypeName(md, reference.Parent)}::{md.GetString(reference.Name)}{Signature(md, reference.Signature)}";
            case HandleKind.MethodSpecification:
                return MemberName(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            default:
                return "?::?()?";
        }
    }

    private static string Signature(MetadataReader md, BlobHandle blob)
    {
        var reader = md.GetBlobReader(blob);
        if (reader.Length == 0 || reader.ReadSignatureHeader().Kind != SignatureKind.Method) return "()field";
        reader = md.GetBlobReader(blob);
        var sig = new SignatureDecoder<string, object?>(new TypeNames(), md, null).DecodeMethodSignature(ref reader);
        return $"({string.Join(",", sig.ParameterTypes)}){sig.ReturnType}";
    }

    private static string TypeName(MetadataReader md, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.TypeDefinition => TypeDefinitionName(md, (TypeDefinitionHandle)handle),
        HandleKind.TypeReference => TypeReferenceName(md, (TypeReferenceHandle)handle),
        HandleKind.TypeSpecification => GenericTypeName(md, (TypeSpecificationHandle)handle),
        _ => "?",
    };

    private static string GenericTypeName(MetadataReader md, TypeSpecificationHandle handle)
    {
        var reader = md.GetBlobReader(md.GetTypeSpecification(handle).Signature);
        return new SignatureDecoder<string, object?>(new TypeNames(), md, null).DecodeType(ref reader);
    }

    private static string TypeDefinitionName(MetadataReader md, TypeDefinitionHandle handle)
    {
        var t = md.GetTypeDefinition(handle);
        var outer = t.GetDeclaringType();
        return (outer.IsNil ? md.GetString(t.Namespace) : TypeDefinitionName(md, outer)) + "." + md.GetString(t.Name);
    }

    private static string TypeReferenceName(MetadataReader md, TypeReferenceHandle handle)
    {
        var t = md.GetTypeReference(handle);
        return t.ResolutionScope.Kind == HandleKind.TypeReference
            ? TypeReferenceName(md, (TypeReferenceHandle)t.ResolutionScope) + "." + md.GetString(t.Name)
            : md.GetString(t.Namespace) + "." + md.GetString(t.Name);
    }

    private static string? Locate(MetadataReader? pdb, MethodDefinitionHandle method, int offset)
    {
        if (pdb is null) return null;
        string? where = null;
        foreach (var point in pdb.GetMethodDebugInformation(method.ToDebugInformationHandle()).GetSequencePoints())
        {
            if (point.Offset > offset) break;
            if (!point.IsHidden) where = $"{Path.GetFileName(pdb.GetString(pdb.GetDocument(point.Document).Name))}:{point.StartLine}";
        }
        return where;
    }

    private sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => TypeDefinitionName(reader, handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => TypeReferenceName(reader, handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) => GenericTypeName(reader, handle);
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
