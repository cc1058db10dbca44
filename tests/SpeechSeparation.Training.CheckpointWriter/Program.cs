using SpeechSeparation.Serialization;
using SpeechSeparation.Training;

// Usage: CheckpointWriter <dir> [megabytes]
// Saves training checkpoints forever (step = latest + 1, every tensor element = step)
// until killed; progress is visible in the folder. Uses only host data (no libtorch) so it starts fast.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: CheckpointWriter <dir> [megabytes]");
    return 2;
}
int mb = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 8;
var manager = new CheckpointManager(args[0], keepLast: 2, mode: PlateauMode.Max);
long step = manager.LoadLatest()?.Step ?? 0;
var values = new float[mb * 1024 * 1024 / 4 / 2];
while (true)
{
    step++;
    Array.Fill(values, step);
    var ck = new TrainingCheckpoint
    {
        Model = new() { ["a"] = HostTensor.FromFloats(values, values.Length), ["b"] = HostTensor.FromFloats(values, values.Length) },
        Step = step,
        Epoch = step,
        Extra = new() { ["check"] = step },
    };
    manager.Save(ck, metric: step);
}
