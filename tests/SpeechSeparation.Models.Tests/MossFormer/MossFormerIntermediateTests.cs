using System.Text.Json.Nodes;
using SpeechSeparation.Conformance;
using SpeechSeparation.Conformance.Models;
using SpeechSeparation.Models.MossFormer;
using SpeechSeparation.Models.MossFormer2;
using SpeechSeparation.Models.MossFormer2Se;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tests;
using Se = SpeechSeparation.Models.MossFormer2Se;

namespace SpeechSeparation.Models.Tests.MossFormer;

/// <summary>
/// The conformance handlers' intermediates: <see cref="IntermediateRecorder"/> itself, and for every module kind the
/// handlers test, the table names exactly the intermediates the handlers have always produced and every one of them is
/// recorded by one forward pass (the sub-modules run through <c>call</c>, which fires the hooks).
/// </summary>
public class MossFormerIntermediateTests
{
    private static readonly string[] Dense = ["dense_conv1", "dense_conv2", "dense_norm1", "dense_norm2", "dense_prelu1", "dense_prelu2"];
    private static readonly string[] BlockNames = ["token_shifted_x", "to_hidden_out", "qk", "offset_scale_out", "rotated", "att_v", "att_u", "gated", "to_out_out"];
    private static readonly string[] FsmnBlock = ["conv1_prelu", "norm1", "gated_fsmn_out", "norm2", "conv2", "to_u", "to_v", "fsmn_out", "fsmn_linear", "fsmn_project"];
    private static readonly string[] MaskNet = ["masknet_norm", "masknet_mdl_in", "masknet_mdl_out", "masknet_conv1d_out", "masknet_gated", "masks"];
    private static readonly string[] V2Core = ["flash0_out", "flash1_out", "fsmn0_out", "fsmn1_out", "intra_mdl_out"];

    public static TheoryData<string> Kinds => new()
    {
        "FFConvM", "MossFormerBlock", "FLASH_ShareA_FFConvM", "MossFormerModule", "DilatedDenseNet", "UniDeepFsmnDilated",
        "GatedFsmnDilated", "GatedFsmnBlockDilated", "MossFormer", "MossFormer2", "MossFormer2 (SpeechBrain names)",
        "SE UniDeepFsmn", "SE GatedFsmn", "SE GatedFsmnBlock", "SE network",
    };

    /// <summary>The module under test, its table, how a fixture runs it, the names the handler produces.</summary>
    private static (torch.nn.Module<Tensor, Tensor> Module, IntermediateMap Table, Func<Tensor> Run, string[] Names) Case(string kind)
    {
        Tensor Randn(params long[] shape) => torch.randn(shape);
        switch (kind)
        {
            case "FFConvM":
            {
                var m = new FFConvM(8, 12);
                return (m, MossFormerIntermediates.Of(m), () => m.call(Randn(2, 10, 8)), ["scalenorm", "linear", "silu", "convmodule"]);
            }
            case "MossFormerBlock" or "FLASH_ShareA_FFConvM":
            {
                MossFormerBlock m = kind == "MossFormerBlock"
                    ? new MossFormerBlock(16, groupSize: 4, queryKeyDim: 8, expansionFactor: 2)
                    : new FlashShareAFFConvM(16, groupSize: 4, queryKeyDim: 8, expansionFactor: 2);
                return (m, MossFormerIntermediates.Of(m), () => m.call(Randn(2, 10, 16)), BlockNames);
            }
            case "MossFormerModule":
            {
                var m = new MossFormerModule(16, 2, groupSize: 4, queryKeyDim: 8, expansionFactor: 2);
                return (m, MossFormerIntermediates.Of(m), () => m.call(Randn(1, 10, 16)), ["block0_out", "block1_out"]);
            }
            case "DilatedDenseNet":
            {
                var m = new DilatedDenseNet(2, 3, 4);
                return (m, MossFormerIntermediates.Of(m), () => m.call(Randn(1, 4, 10, 1)), Dense);
            }
            case "UniDeepFsmnDilated":
            {
                var m = new UniDeepFsmnDilated(8, 8, 3, 6);
                return (m, MossFormerIntermediates.Of(m), () => m.call(Randn(1, 10, 8)), ["fsmn_linear", "fsmn_project", .. Dense]);
            }
            case "GatedFsmnDilated":
            {
                var m = new GatedFsmnDilated(8, 8, 3, 8);
                return (m, MossFormerIntermediates.Of(m), () => m.call(Randn(1, 10, 8)), ["to_u", "to_v", "fsmn_out", "fsmn_linear", "fsmn_project", .. Dense]);
            }
            case "GatedFsmnBlockDilated":
            {
                var m = new GatedFsmnBlockDilated(8, 8, 3);
                return (m, MossFormerIntermediates.Of(m), () => m.call(Randn(1, 10, 8)), [.. FsmnBlock, .. Dense]);
            }
            case "MossFormer":
            {
                var m = new MossFormerSeparator(MossFormerConfig.ModelScope8k with { InChannels = 32, OutChannels = 32, DModel = 32, NumBlocks = 2, QueryKeyDim = 16 });
                return (m, MossFormerIntermediates.Of(m), () => m.call(Randn(1, 400)), ["enc_out", "block0_out", "block1_out", .. MaskNet]);
            }
            case "MossFormer2" or "MossFormer2 (SpeechBrain names)":
            {
                var m = new MossFormer2Separator(MossFormer2Config.ModelScope8k with { InChannels = 32, OutChannels = 32, NumBlocks = 2 });
                return kind == "MossFormer2"
                    ? (m, MossFormerIntermediates.Of(m), () => m.call(Randn(1, 400)), ["enc_out", .. V2Core, .. MaskNet])
                    : (m, MossFormer2SpeechBrainHandler.Intermediates, () => m.call(Randn(1, 400)), ["enc_out", .. V2Core, .. MaskNet, "dual_mdl_out", "masknet_out"]);
            }
            case "SE UniDeepFsmn":
            {
                var m = new UniDeepFsmn(8, 8, 3, 6);
                return (m, MossFormer2SeHandler.SubModuleIntermediates(m), () => m.call(Randn(1, 10, 8)), ["fsmn_linear", "fsmn_project", "fsmn_conv1"]);
            }
            case "SE GatedFsmn":
            {
                var m = new GatedFsmn(8, 8, 3, 8);
                return (m, MossFormer2SeHandler.SubModuleIntermediates(m), () => m.call(Randn(1, 10, 8)),
                    ["to_u", "to_v", "fsmn_out", "fsmn_linear", "fsmn_project", "fsmn_conv1"]);
            }
            case "SE GatedFsmnBlock":
            {
                var m = new GatedFsmnBlock(8, 8, 3);
                return (m, MossFormer2SeHandler.SubModuleIntermediates(m), () => m.call(Randn(1, 10, 8)), [.. FsmnBlock, "fsmn_conv1"]);
            }
            case "SE network":
            {
                var m = new Se.MossFormer2Se(new MossFormer2SeConfig { OutChannels = 16, NumBlocks = 2 });
                string[] shortNames = ["norm", "mdl_in", "mdl_out", "conv1d_out", "gated"];
                return (m, MossFormer2SeHandler.NetworkIntermediates, () => m.ForwardFullPath(Randn(1, 12, 180)), [.. V2Core, .. MaskNet, .. shortNames]);
            }
            default: throw new ArgumentException(kind);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryIntermediateTheHandlerNamesIsRecordedByOneForwardPass(string kind)
    {
        var (module, table, run, names) = Case(kind);
        using var _ = module;
        module.eval();
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        using var recorder = new IntermediateRecorder(module, table);
        Assert.Equal(names.Order(StringComparer.Ordinal), recorder.Names.Order(StringComparer.Ordinal));
        run();
        Assert.Equal(names.Order(StringComparer.Ordinal), recorder.Values.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RecorderCopiesOutputsInputsAndPartsAndLeavesNoHookBehind()
    {
        using var block = new MossFormerBlock(16, groupSize: 4, queryKeyDim: 8, expansionFactor: 2);
        block.eval();
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(2, 10, 16);
        var table = new IntermediateMap
        {
            { "shifted", "token_shift" },
            { "hidden_in", Intermediate.InputOf("to_hidden") },
            { "att_v", Intermediate.OutputOf("attention").Chunk(0, 2) },
            { "heads", "qk_offset_scale" },
            { "out", "" },
            { "absent", "no_such_module" },
        };
        Tensor y;
        IReadOnlyDictionary<string, (long[] Shape, double[] Values)> values;
        using (var recorder = new IntermediateRecorder(block, table))
        {
            Assert.DoesNotContain("absent", recorder.Names);
            y = block.call(x);
            values = recorder.Values;
        }
        using (var shift = new TokenShift())
        {
            var shifted = shift.forward(x);
            Assert.Equal(shifted.shape, values["shifted"].Shape);
            Assert.Equal(shifted.ToDoubleArray(), values["shifted"].Values);
        }
        Assert.Equal(values["shifted"].Values, values["hidden_in"].Values);   // to_hidden reads the shifted frames
        Assert.Equal([2L, 10, 16], values["att_v"].Shape);                     // [att_v | att_u] = [B, n, 2·16]
        Assert.Equal([4L, 2, 10, 8], values["heads"].Shape);                   // quad_q, lin_q, quad_k, lin_k
        Assert.Equal(y.ToDoubleArray(), values["out"].Values);
        Assert.False(values.ContainsKey("absent"));
        var before = values["out"].Values;
        block.call(torch.randn(2, 10, 16));                                    // hooks removed: nothing recorded
        Assert.Same(before, values["out"].Values);
    }

    [Fact]
    public void AnUnknownIntermediateFailsWithItsName()
    {
        var fixture = Path.Combine(Path.GetTempPath(), "speechsep-unknown-inter-" + Guid.NewGuid().ToString("N"));
        try
        {
            CopyFixture(TestPaths.Fixture("mossformer_ms_ffconvm"), fixture);
            var config = Path.Combine(fixture, "config.json");
            var json = JsonNode.Parse(File.ReadAllText(config))!;
            json["outputs"]!["inter_not_a_step"] = json["outputs"]!["inter_silu"]!.DeepClone();
            File.WriteAllText(config, json.ToJsonString());
            var report = FixtureRunner.Run(fixture);
            var check = Assert.Single(report.Checks, c => c.Name == "inter_not_a_step");
            Assert.False(check.Passed);
            Assert.Contains("no intermediate 'not_a_step' is produced by this module", check.Detail, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(fixture)) Directory.Delete(fixture, recursive: true);
        }
    }

    private static void CopyFixture(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
