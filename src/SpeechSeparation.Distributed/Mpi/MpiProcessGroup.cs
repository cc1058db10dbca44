using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpeechSeparation.Training.Distributed;

namespace SpeechSeparation.Distributed.Mpi;

/// <summary>Settings of <see cref="MpiProcessGroup"/>.</summary>
public sealed record MpiOptions
{
    /// <summary>The environment variable that overrides <see cref="CollectiveTimeout"/> (seconds).</summary>
    public const string TimeoutVariable = "SPEECHSEP_MPI_TIMEOUT";

    /// <summary>
    /// Longest wait in one collective before the job is aborted: a rank that died, hung or lost its network leaves the
    /// others blocked in MPI calls, which MPI does not time out by itself. Long enough for rank 0's checkpoint writes and
    /// the slowest step; ≤ 0 disables the watchdog. Default: 10 minutes, or <c>SPEECHSEP_MPI_TIMEOUT</c> seconds.
    /// </summary>
    public TimeSpan CollectiveTimeout { get; init; } = DefaultTimeout();

    /// <summary>Where the group reports aborts (they are written to standard error as well).</summary>
    public ILogger? Logger { get; init; }

    private static TimeSpan DefaultTimeout() =>
        double.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var s) ? TimeSpan.FromSeconds(s) : TimeSpan.FromMinutes(10);
}

/// <summary>
/// <see cref="IProcessGroup"/> over MPI's world communicator through MPI.NET: initialises MPI (thread level multiple),
/// runs the collectives on host memory (<c>MPI_Allreduce</c> in place, <c>MPI_Bcast</c>), and watches them: a collective
/// that has not completed after <see cref="MpiOptions.CollectiveTimeout"/> aborts the whole job (<c>MPI_Abort</c>) with a
/// message naming the collective and the rank, instead of hanging. One per process; disposing it finalises MPI.
/// </summary>
public sealed class MpiProcessGroup : IProcessGroup, IDisposable
{
    private static readonly IntPtr InPlace = -1;                   // MPI_IN_PLACE in MPICH and MS-MPI
    private static int _created;
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(1);

    private readonly MPI.Environment _environment;
    private readonly ILogger _logger;
    private readonly Thread? _watchdog;
    private readonly CancellationTokenSource _stop = new();
    private long _collectiveStarted;                               // Stopwatch ticks; 0 while none runs
    private string _collective = "";
    private int _aborting;
    private bool _disposed;

    private MpiProcessGroup(MpiOptions options)
    {
        _logger = options.Logger ?? NullLogger.Instance;
        CollectiveTimeout = options.CollectiveTimeout;
        MpiLibrary.Register();
        if (!MpiLibrary.TryLoad(out var error)) throw new DllNotFoundException(error);
        var args = Environment.GetCommandLineArgs();
        _environment = new MPI.Environment(ref args, MPI.Threading.Multiple);
        Rank = MPI.Communicator.world.Rank;
        Size = MPI.Communicator.world.Size;
        if (CollectiveTimeout > TimeSpan.Zero)
        {
            _watchdog = new Thread(Watch) { IsBackground = true, Name = "MPI collective watchdog" };
            _watchdog.Start();
        }
    }

    /// <summary>
    /// Initialises MPI in this process (once; MPI cannot be initialised again after it was finalised) and returns the world group.
    /// </summary>
    /// <exception cref="DllNotFoundException">No MPICH-ABI MPI library is installed (the message says what to install).</exception>
    /// <exception cref="NotSupportedException">The process was started by Open MPI's launcher.</exception>
    /// <exception cref="InvalidOperationException">A group was already created in this process.</exception>
    public static MpiProcessGroup Initialize(MpiOptions? options = null)
    {
        if (MpiLaunch.Current is { IsOpenMpi: true })
            throw new NotSupportedException("This process was started by Open MPI's mpirun; MPI.NET here needs an MPICH-ABI library (MPICH, Intel MPI, MS-MPI): use mpiexec.mpich.");
        if (Interlocked.Exchange(ref _created, 1) != 0)
            throw new InvalidOperationException("MPI is initialised once per process; reuse the first MpiProcessGroup.");
        return new MpiProcessGroup(options ?? new MpiOptions());
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <summary>The library MPI.NET was bound to (e.g. <c>libmpich.so.12</c>).</summary>
    public string? Library => MpiLibrary.Loaded;

    /// <summary>Longest wait in one collective before the job is aborted (≤ 0: no watchdog).</summary>
    public TimeSpan CollectiveTimeout { get; }

    /// <summary>Seconds this rank has spent inside collectives (waiting for the others included).</summary>
    public double CollectiveSeconds => Stopwatch.GetElapsedTime(0, _collectiveTicks).TotalSeconds;

    private long _collectiveTicks;

    /// <inheritdoc />
    public unsafe void AllreduceSum(Span<float> values)
    {
        long start = Enter("MPI_Allreduce", values.Length * sizeof(float));
        int rc;
        fixed (float* p = values)
            rc = MPI.Unsafe.MPI_Allreduce(InPlace, (IntPtr)p, values.Length, MPI.Unsafe.MPI_FLOAT, MPI.Unsafe.MPI_SUM, MPI.Unsafe.MPI_COMM_WORLD);
        Exit(start, rc);
    }

    /// <inheritdoc />
    public unsafe void AllreduceSum(Span<double> values)
    {
        long start = Enter("MPI_Allreduce", values.Length * sizeof(double));
        int rc;
        fixed (double* p = values)
            rc = MPI.Unsafe.MPI_Allreduce(InPlace, (IntPtr)p, values.Length, MPI.Unsafe.MPI_DOUBLE, MPI.Unsafe.MPI_SUM, MPI.Unsafe.MPI_COMM_WORLD);
        Exit(start, rc);
    }

    /// <inheritdoc />
    public unsafe void Broadcast(Span<float> values, int root = 0)
    {
        CheckRoot(root);
        long start = Enter("MPI_Bcast", values.Length * sizeof(float));
        int rc;
        fixed (float* p = values)
            rc = MPI.Unsafe.MPI_Bcast((IntPtr)p, values.Length, MPI.Unsafe.MPI_FLOAT, root, MPI.Unsafe.MPI_COMM_WORLD);
        Exit(start, rc);
    }

    /// <inheritdoc />
    public unsafe void Broadcast(Span<byte> values, int root = 0)
    {
        CheckRoot(root);
        long start = Enter("MPI_Bcast", values.Length);
        int rc;
        fixed (byte* p = values)
            rc = MPI.Unsafe.MPI_Bcast((IntPtr)p, values.Length, MPI.Unsafe.MPI_BYTE, root, MPI.Unsafe.MPI_COMM_WORLD);
        Exit(start, rc);
    }

    /// <summary>Waits until every rank has called it.</summary>
    public void Barrier()
    {
        long start = Enter("MPI_Barrier", 0);
        Exit(start, MPI.Unsafe.MPI_Barrier(MPI.Unsafe.MPI_COMM_WORLD));
    }

    /// <inheritdoc />
    public void Abort(string reason, int exitCode = 1)
    {
        if (Interlocked.Exchange(ref _aborting, 1) != 0) return;
        var message = $"speechsep: rank {Rank} of {Size}: {reason}; aborting the MPI job.";
        _logger.LogCritical("{Message}", message);
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        // Hydra tears the job down as soon as it hears of the abort, and may drop output its proxies have not forwarded yet.
        Thread.Sleep(AbortGrace);
        MPI.Unsafe.MPI_Abort(MPI.Unsafe.MPI_COMM_WORLD, exitCode);
        Environment.Exit(exitCode);                                // MPI_Abort does not return; in case it does
    }

    private void CheckRoot(int root)
    {
        if (root < 0 || root >= Size) throw new ArgumentOutOfRangeException(nameof(root), $"Rank {root} is not in 0 … {Size - 1}.");
    }

    private long Enter(string name, long bytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _collective = $"{name} of {bytes:N0} bytes";
        long start = Stopwatch.GetTimestamp();
        Volatile.Write(ref _collectiveStarted, start);
        return start;
    }

    private void Exit(long start, int rc)
    {
        Volatile.Write(ref _collectiveStarted, 0);
        _collectiveTicks += Stopwatch.GetTimestamp() - start;
        if (rc != 0) Abort($"{_collective} failed with MPI error {rc}");
    }

    private void Watch()
    {
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(CollectiveTimeout.TotalMilliseconds / 10, 10, 1000));
        while (!_stop.Token.WaitHandle.WaitOne(poll))
        {
            long started = Volatile.Read(ref _collectiveStarted);
            if (started == 0) continue;
            var waited = Stopwatch.GetElapsedTime(started);
            if (waited > CollectiveTimeout && Volatile.Read(ref _collectiveStarted) == started)
                Abort($"{_collective} has not completed after {waited.TotalSeconds:F0} s (timeout {CollectiveTimeout.TotalSeconds:F0} s, " +
                      $"{MpiOptions.TimeoutVariable}): another rank has failed, hung or lost its connection");
        }
    }

    /// <summary>Stops the watchdog and finalises MPI (every rank must dispose its group).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _watchdog?.Join();
        _environment.Dispose();
        _stop.Dispose();
    }
}
