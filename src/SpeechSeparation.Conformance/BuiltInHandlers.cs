namespace SpeechSeparation.Conformance;

/// <summary>The handlers shipped with the library, one per fixture family.</summary>
internal static class BuiltInHandlers
{
    public static IEnumerable<IFixtureHandler> All()
    {
        // Each family adds its handler here.
        yield break;
    }
}
