namespace SpeechSeparation.Conformance;

/// <summary>The handlers shipped with the library, one per fixture family.</summary>
internal static class BuiltInHandlers
{
    public static IEnumerable<IFixtureHandler> All()
    {
        // Each family adds its handler here.
        yield return new Metrics.MetricBankHandler();
        yield return new Metrics.MetricSeparationHandler();
        yield return new Metrics.MetricBssEvalV4Handler();
        yield return new Metrics.MetricNsdrHandler();
        yield return new Metrics.MetricEdgeCasesHandler();
        yield return new Metrics.MetricInternalsHandler();
        yield break;
    }
}
