namespace SpeechSeparation.Conformance;

/// <summary>Runs fixtures of one family (a <c>kind</c> or a <c>model</c>) and records each output's comparison.</summary>
public interface IFixtureHandler
{
    /// <summary>Short name shown in reports.</summary>
    string Name { get; }

    /// <summary>Whether this handler understands the fixture (by its <c>kind</c>, <c>model</c> or <c>upstream.class</c>).</summary>
    bool CanHandle(Fixture fixture);

    /// <summary>Runs the fixture, adding one check per output to <paramref name="report"/>.</summary>
    void Run(Fixture fixture, FixtureReport report);
}
