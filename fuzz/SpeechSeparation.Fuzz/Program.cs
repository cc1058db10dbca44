using SharpFuzz;

namespace SpeechSeparation.Fuzz;

/// <summary>
/// <c>dotnet SpeechSeparation.Fuzz.dll TARGET</c> under <c>afl-fuzz</c> (see fuzz/run.sh), or
/// <c>dotnet SpeechSeparation.Fuzz.dll TARGET --replay FILE...</c> to run inputs (a corpus, crashes) without AFL:
/// prints each unexpected exception and exits 1 if there was one.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Targets.All.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: SpeechSeparation.Fuzz TARGET [--replay FILE...]   targets: {string.Join(", ", Targets.All.Keys)}");
            return 2;
        }
        if (args.Length > 1 && args[1] == "--replay")
        {
            int findings = 0;
            foreach (var file in args.Skip(2).SelectMany(a => Directory.Exists(a) ? Directory.GetFiles(a).Order(StringComparer.Ordinal).ToArray() : new[] { a }))
            {
                using var stream = new MemoryStream(File.ReadAllBytes(file));
                try { target(stream); }
                catch (Exception e) when (Targets.Expected(e)) { }
                catch (Exception e)
                {
                    findings++;
                    Console.WriteLine($"{file}: {e.GetType().FullName}: {e.Message}");
                }
            }
            return findings == 0 ? 0 : 1;
        }
        Fuzzer.Run(stream =>
        {
            // The readers take files (seekable streams); AFL's input arrives on a forward-only stream.
            using var input = new MemoryStream();
            stream.CopyTo(input);
            input.Position = 0;
            try { target(input); }
            catch (Exception e) when (Targets.Expected(e)) { }
        });
        return 0;
    }
}
