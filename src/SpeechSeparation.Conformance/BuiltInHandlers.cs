using System.Reflection;

namespace SpeechSeparation.Conformance;

/// <summary>
/// The handlers shipped with the library: every public or internal non-abstract <see cref="IFixtureHandler"/> of this
/// assembly with a parameterless constructor, discovered automatically (no list to edit when a family is added).
/// </summary>
internal static class BuiltInHandlers
{
    public static IEnumerable<IFixtureHandler> All() =>
        typeof(BuiltInHandlers).Assembly.GetTypes()
            .Where(t => typeof(IFixtureHandler).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }
                        && t.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (IFixtureHandler)Activator.CreateInstance(t, nonPublic: true)!);
}
