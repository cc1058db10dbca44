// A new user's app: references only the packed SpeechSeparation package and TorchSharp-cpu (tests/consumer/README.md).
using SpeechSeparation;
using SpeechSeparation.Signal;

using var separator = Separator.Load();
var result = separator.Separate(Wav.Read(args[0]));
foreach (var name in result.Names)
{
    Wav.Write(Path.Combine(args[1], name + ".wav"), result[name]);
    Console.WriteLine(name);
}
