namespace SpeechSeparation.Conformance;

/// <summary>
/// The conformance runner behind <c>speechsep check-fixture</c>: finds the handler for a fixture folder and runs it.
/// Handlers are registered in <see cref="Handlers"/>; the list is open for extension.
/// </summary>
public static class FixtureRunner
{
    private static readonly List<IFixtureHandler> Registered = [.. BuiltInHandlers.All()];

    /// <summary>Every registered handler, first match wins.</summary>
    public static IReadOnlyList<IFixtureHandler> Handlers => Registered;

    /// <summary>Adds a handler ahead of the built-in ones.</summary>
    public static void Register(IFixtureHandler handler) => Registered.Insert(0, handler);

    /// <summary>Runs one fixture folder. Exceptions thrown by the implementation are recorded as failures.</summary>
    public static FixtureReport Run(string directory)
    {
        var fixture = Fixture.Open(directory);
        var report = new FixtureReport(fixture.Directory);
        var handler = Registered.FirstOrDefault(h => h.CanHandle(fixture));
        if (handler is null)
        {
            report.Handler = "none";
            report.Fail("dispatch", $"no handler for kind='{fixture.Kind}' model='{fixture.Model}' class='{fixture.UpstreamClass}'");
            return report;
        }
        report.Handler = handler.Name;
        try
        {
            handler.Run(fixture, report);
        }
        catch (Exception e)
        {
            report.Fail("exception", $"{e.GetType().Name}: {e.Message}");
        }
        if (report.Checks.Count == 0) report.Fail("outputs", "the handler compared no output");
        return report;
    }
}
