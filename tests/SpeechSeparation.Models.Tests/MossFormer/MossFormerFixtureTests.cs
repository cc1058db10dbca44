using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.MossFormer;

/// <summary>Every MossFormer / MossFormer2 fixture passes through <c>check-fixture</c>'s handlers.</summary>
public class MossFormerFixtureTests
{
    public static TheoryData<string> Fixtures => new()
    {
        "mossformer_ms_encoder",
        "mossformer_ms_decoder",
        "mossformer_ms_sinu_embedding",
        "rotary_embedding",
        "mossformer_ms_ffconvm",
        "mossformer_ms_block",
        "mossformer2_ms_flash",
        "mossformer2_ms_unideep_fsmn_dilated",
        "mossformer2_ms_gated_fsmn_block",
        "mossformer_ms_tiny",
        "mossformer2_ms_tiny",
        "clearvoice_mossformer2_ss_tiny",
        "mossformer_ms_published_8k",
        "mossformer2_ms_published_8k",
        "clearvoice_mossformer2_ss_16k_published",
        "sb_mossformer2_3spk_tiny",
        "sb_mossformer2_3spk_published_keys",
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FixturePasses(string name) => FixtureAssert.Passes(TestPaths.Fixture(name));

    [Fact]
    public void TinyFixturesCompareEveryListedOutput()
    {
        var report = FixtureAssert.Passes(TestPaths.Fixture("mossformer_ms_tiny"));
        var names = report.Checks.Select(c => c.Name).ToList();
        Assert.Contains("output_b2", names);
        Assert.Contains("inter_block0_out", names);
        Assert.Contains("pipeline_pcm", names);
        Assert.Contains("split_files:output", names);
        report = FixtureAssert.Passes(TestPaths.Fixture("clearvoice_mossformer2_ss_tiny"));
        Assert.Contains("pipe0_decoded", report.Checks.Select(c => c.Name));
        report = FixtureAssert.Passes(TestPaths.Fixture("sb_mossformer2_3spk_tiny"));
        Assert.Equal(["output", "output_b2", "inter_enc_out", "inter_dual_mdl_out", "inter_masknet_out", "output_alt_branch", "pipe_out"],
            report.Checks.Select(c => c.Name));
    }
}
