// Separates a WAV file with any model Separator.Load accepts and writes one WAV per speaker.
//   dotnet run --project samples/SeparateFile -- MODEL input.wav out/
using SpeechSeparation;
using SpeechSeparation.Signal;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: SeparateFile MODEL INPUT.wav OUTPUT_DIR");
    return 2;
}

using var separator = Separator.Load(args[0], new SeparatorOptions { WindowSeconds = 4, OverlapSeconds = 1 });
Console.WriteLine($"{separator.NumSources} outputs at {separator.SampleRate} Hz: {string.Join(", ", separator.SourceNames)}");

// Streams the file: memory stays flat whatever its length.
var progress = new Progress<double>(p => Console.Write($"\r{p:P0}"));
var written = separator.SeparateFile(args[1], args[2], new OutputOptions { Overwrite = true }, progress);
Console.WriteLine();
foreach (var path in written)
{
    var stem = Wav.Read(path);
    Console.WriteLine($"{path}: {stem.Duration.TotalSeconds:F1} s, {stem.SampleRate} Hz");
}
return 0;
