namespace SpeechSeparation.Conformance.Models;

/// <summary>
/// <c>model: mossformer2</c> fixtures: ModelScope MossFormer2 and ClearerVoice-Studio's MossFormer2_SS_16K (upstream
/// class <c>MossFormer</c>, outputs stacked as [S, B, T], ClearerVoice pipeline cases <c>pipe{k}_*</c>) and their
/// sub-modules (FLASH_ShareA_FFConvM, GatedFSMNBlockDilated, UniDeepFsmnDilated, and the modules shared with v1).
/// </summary>
internal sealed class MossFormer2Handler : IFixtureHandler
{
    public string Name => "mossformer2";

    public bool CanHandle(Fixture fixture) => fixture.Model == "mossformer2";

    public void Run(Fixture fixture, FixtureReport report) => MossFormerFixtures.Run(fixture, report, version: 2);
}
