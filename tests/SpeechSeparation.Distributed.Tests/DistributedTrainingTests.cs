using System.Text.Json;

namespace SpeechSeparation.Distributed.Tests;

/// <summary>
/// Data-parallel training under <c>mpiexec -n 2</c> (the test host trains a small conv separator on synthetic tone
/// mixtures; ranks initialise with different seeds, so equal results also prove the broadcast from rank 0).
/// </summary>
public sealed class DistributedTrainingTests : IDisposable
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "SpeechSeparation.Distributed.TestHost.dll");
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("speechsep-mpi-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private sealed record RankResult(int Rank, int Size, float[] Parameters, double[] TrainLoss, double[] ValidSiSnr);

    private static RankResult Read(string path)
    {
        var d = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        return new RankResult(d.GetProperty("rank").GetInt32(), d.GetProperty("size").GetInt32(),
            [.. d.GetProperty("parameters").EnumerateArray().Select(e => e.GetSingle())],
            [.. d.GetProperty("train_loss").EnumerateArray().Select(e => e.GetDouble())],
            [.. d.GetProperty("valid_si_snr").EnumerateArray().Select(e => e.GetDouble())]);
    }

    /// <summary>Runs the host in one process (no MPI).</summary>
    private RankResult Single(string name, params string[] args)
    {
        var r = ProcessRunner.Run("dotnet", [Host, "--out", Path.Combine(_dir, name), .. args], Limit);
        Assert.True(r.ExitCode == 0, r.Output);
        return Read(Path.Combine(_dir, name + ".rank0.json"));
    }

    /// <summary>Runs the host as two ranks; returns both ranks' results.</summary>
    private (RankResult Rank0, RankResult Rank1) TwoRanks(string name, params string[] args)
    {
        var r = ProcessRunner.Run(Mpiexec.Path!, ["-n", "2", "dotnet", Host, "--out", Path.Combine(_dir, name), .. args], Limit);
        Assert.True(r.ExitCode == 0, r.Output);
        var (a, b) = (Read(Path.Combine(_dir, name + ".rank0.json")), Read(Path.Combine(_dir, name + ".rank1.json")));
        Assert.Equal((0, 2), (a.Rank, a.Size));
        Assert.Equal((1, 2), (b.Rank, b.Size));
        return (a, b);
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b).Max(p => Math.Abs((double)p.First - p.Second));
    }

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b).Sum(p => Math.Pow((double)p.First - p.Second, 2)));

    [MpiFact]
    public void TwoRanksOfBatchTwoTakeTheStepsOfOneProcessWithBatchFour()
    {
        // 24 examples, 2 epochs: 12 optimiser steps of a global batch of 4, several gradient buckets of 150 floats.
        var reference = Single("reference", "--batch", "4");
        var (rank0, rank1) = TwoRanks("ranks", "--batch", "2");
        // Without averaging, rank 0 would step on its own half of every batch: what this control computes. The host uses
        // SGD without clipping: both would hide a sum in place of a mean (Adam and clipping are invariant to the scale),
        // and Adam's 1/√v turns rounding in near-zero gradient entries into ±lr steps.
        var control = Single("control", "--batch", "2", "--shard-only", "0/2");

        Assert.Equal(0.0, MaxAbsDiff(rank0.Parameters, rank1.Parameters));        // broadcast + identical averaged steps
        double error = MaxAbsDiff(rank0.Parameters, reference.Parameters);
        double unaveraged = MaxAbsDiff(control.Parameters, reference.Parameters);
        Assert.True(error < 1e-5, $"2 ranks × 2 differ from 1 rank × 4 by {error:G3}");
        Assert.True(unaveraged > 1e-2, $"the un-averaged control is only {unaveraged:G3} from the reference: the test could not tell");
        // The logged loss is the mean over the ranks, and validation is summed over the ranks' shards.
        for (int e = 0; e < 2; e++)
        {
            Assert.Equal(reference.TrainLoss[e], rank0.TrainLoss[e], tolerance: 1e-4);
            Assert.Equal(reference.ValidSiSnr[e], rank0.ValidSiSnr[e], tolerance: 1e-4);
            Assert.Equal(rank0.ValidSiSnr[e], rank1.ValidSiSnr[e]);
        }
        Assert.True(Math.Abs(reference.TrainLoss[1] - control.TrainLoss[1]) > 0.1, "the control's loss matches the reference");
    }

    [MpiFact]
    public void ResumingWithTheSameRanksContinuesExactly()
    {
        var (straight, _) = TwoRanks("straight", "--batch", "2", "--epochs", "2");
        var checkpoints = Path.Combine(_dir, "ckpt");
        TwoRanks("first", "--batch", "2", "--epochs", "1", "--checkpoints", checkpoints);
        // Epoch 1 is 6 steps of a global batch of 4; one checkpoint (rank 0 alone writes).
        Assert.Equal(["checkpoint-step000000006.pt"], Directory.GetFiles(checkpoints, "checkpoint-step*.pt").Select(Path.GetFileName));
        var (resumed0, resumed1) = TwoRanks("resumed", "--batch", "2", "--epochs", "2", "--checkpoints", checkpoints);
        Assert.Equal(0.0, MaxAbsDiff(resumed0.Parameters, straight.Parameters));
        Assert.Equal(0.0, MaxAbsDiff(resumed1.Parameters, straight.Parameters));
        Assert.Equal(straight.TrainLoss, resumed1.TrainLoss);                                // rank 1 received rank 0's history
    }

    [MpiFact]
    public void AFailingRankEndsTheJobWithItsMessage()
    {
        var r = ProcessRunner.Run(Mpiexec.Path!, ["-n", "2", "dotnet", Host, "--out", Path.Combine(_dir, "x"), "--fail-rank", "1"], Limit);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("rank 1 of 2: training failed on rank 1 of 2: InvalidDataException: injected failure at the third step", r.Output);
        Assert.False(File.Exists(Path.Combine(_dir, "x.rank0.json")), r.Output);
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(60), $"took {r.Elapsed}");
    }

    [MpiFact]
    public void AHungRankIsAbortedByTheCollectiveWatchdog()
    {
        var r = ProcessRunner.Run(Mpiexec.Path!, ["-n", "2", "dotnet", Host, "--out", Path.Combine(_dir, "x"), "--hang-rank", "1", "--timeout", "3"], Limit);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Matches(@"rank 0 of 2: MPI_Allreduce of [\d,]+ bytes has not completed after \d+ s \(timeout 3 s", r.Output);
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(60), $"took {r.Elapsed}");
    }
}
