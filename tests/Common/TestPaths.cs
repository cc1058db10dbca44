namespace SpeechSeparation.Tests;

/// <summary>Locates the repository's test data from a test binary's output folder.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SpeechSeparation.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException(
            "Could not find SpeechSeparation.sln above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root (the folder holding SpeechSeparation.sln).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>A fixture folder copied into tests/fixtures (committed with the repository).</summary>
    public static string Fixture(params string[] parts) =>
        Path.Combine([RepoRoot, "tests", "fixtures", .. parts]);
}
