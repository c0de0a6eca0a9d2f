using System.Diagnostics;

namespace NormLab.Distributed;

/// <summary>
/// The group of processes (ranks) one distributed job runs on: MPI_COMM_WORLD when the program was
/// started by <c>mpirun</c>, otherwise a world of one process that needs no MPI library.
/// </summary>
/// <remarks>
/// MPI is initialized on first use of <see cref="World"/> and finalized when the process exits.
/// An unhandled exception on any rank calls MPI_Abort, so the whole job stops with a non-zero status
/// instead of leaving the other ranks waiting in a collective.
/// </remarks>
/// <example><code>var world = Communicator.World;
/// if (world.IsRoot) Console.WriteLine($"{world.Size} ranks");</code></example>
public sealed unsafe class Communicator
{
    private static readonly object Gate = new();
    private static Communicator? world;
    private readonly MpiNative? mpi;
    private readonly Stopwatch busy = new();

    private Communicator(MpiNative? mpi)
    {
        this.mpi = mpi;
        Rank = mpi?.Rank() ?? 0;
        Size = mpi?.Size() ?? 1;
    }

    /// <summary>
    /// The world of this process: MPI_COMM_WORLD under <c>mpirun</c> (Open MPI's <c>libmpi.so.40</c> is
    /// loaded then, with an error saying what to install when it is missing), else one rank without MPI.
    /// </summary>
    public static Communicator World
    {
        get
        {
            lock (Gate) return world ??= LaunchedByMpirun() ? FromMpi(MpiNative.Load()) : new Communicator(null);
        }
    }

    /// <summary>
    /// The world when this process already joined a job of several ranks over MPI, else null; never starts
    /// MPI. A command that fails on one rank uses it to end the whole job instead of leaving the others
    /// waiting in a collective.
    /// </summary>
    internal static Communicator? StartedJob
    {
        get
        {
            lock (Gate) return world is { UsesMpi: true, Size: > 1 } ? world : null;
        }
    }

    /// <summary>Whether an MPI launcher started this process (Open MPI, PMIx or Hydra environment variables).</summary>
    public static bool LaunchedByMpirun() =>
        new[] { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE" }.Any(v => Environment.GetEnvironmentVariable(v) != null);

    /// <summary>This process's index in the world, 0 to <see cref="Size"/> - 1.</summary>
    public int Rank { get; }

    /// <summary>The number of processes.</summary>
    public int Size { get; }

    /// <summary>Rank 0: the one that prints progress and writes files.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>Whether collectives go through MPI (false for a world of one process).</summary>
    public bool UsesMpi => mpi != null;

    /// <summary>Seconds spent inside collectives so far (communication and waiting for other ranks).</summary>
    public double CommunicationSeconds => busy.Elapsed.TotalSeconds;

    /// <summary>The number of collective calls so far.</summary>
    public long Collectives { get; private set; }

    private static Communicator FromMpi(MpiNative mpi)
    {
        if (!mpi.IsInitialized) mpi.Init();
        var communicator = new Communicator(mpi);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (!mpi.IsFinalized) mpi.FinalizeMpi();
        };
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
            communicator.Abort($"unhandled {e.ExceptionObject.GetType().Name}: {(e.ExceptionObject as Exception)?.Message}");
        return communicator;
    }

    /// <summary>Sums <paramref name="buffer"/> element-wise over all ranks, in place.</summary>
    /// <param name="buffer">Values to sum, same length on every rank; overwritten with the sums. Without MPI it is left as is.</param>
    public void AllreduceSum(Span<float> buffer)
    {
        if (mpi == null || buffer.IsEmpty) return;
        using var _ = Time();
        fixed (float* p = buffer) mpi.AllreduceInPlace(p, buffer.Length, mpi.Float, mpi.Sum);
    }

    /// <inheritdoc cref="AllreduceSum(Span{float})"/>
    public void AllreduceSum(Span<double> buffer)
    {
        if (mpi == null || buffer.IsEmpty) return;
        using var _ = Time();
        fixed (double* p = buffer) mpi.AllreduceInPlace(p, buffer.Length, mpi.Double, mpi.Sum);
    }

    /// <summary>The element-wise maximum over all ranks, in place.</summary>
    /// <param name="buffer">Values to reduce, same length on every rank; overwritten with the maxima. Without MPI it is left as is.</param>
    public void AllreduceMax(Span<double> buffer)
    {
        if (mpi == null || buffer.IsEmpty) return;
        using var _ = Time();
        fixed (double* p = buffer) mpi.AllreduceInPlace(p, buffer.Length, mpi.Double, mpi.Max);
    }

    /// <summary>Every rank's <paramref name="send"/> (same length on all ranks), concatenated in rank order.</summary>
    /// <typeparam name="T">An unmanaged element type, sent as raw bytes.</typeparam>
    /// <param name="send">This rank's values; every rank must send the same length.</param>
    public T[] Allgather<T>(ReadOnlySpan<T> send) where T : unmanaged
    {
        var receive = new T[send.Length * Size];
        if (mpi == null) { send.CopyTo(receive); return receive; }
        using var _ = Time();
        fixed (T* s = send) fixed (T* r = receive)
            mpi.Allgather(s, r, send.Length * sizeof(T), mpi.Byte);
        return receive;
    }

    /// <summary>
    /// Every rank's <paramref name="send"/>, concatenated in rank order, when ranks send different
    /// lengths; <paramref name="counts"/>[r] is rank r's length, known to every rank.
    /// </summary>
    /// <param name="send">This rank's values; its length must equal <paramref name="counts"/>[Rank].</param>
    /// <param name="counts">Length sent by each rank, one entry per rank, identical on every rank.</param>
    /// <exception cref="ArgumentException">When <paramref name="counts"/> has the wrong number of entries or disagrees with this rank's length.</exception>
    public float[] Allgather(ReadOnlySpan<float> send, IReadOnlyList<int> counts)
    {
        if (counts.Count != Size || counts[Rank] != send.Length)
            throw new ArgumentException($"Communicator.Allgather: rank {Rank} sends {send.Length} values but counts[{Rank}] is {(Rank < counts.Count ? counts[Rank] : "missing")} ({counts.Count} counts for {Size} ranks).");
        var receive = new float[counts.Sum()];
        if (mpi == null) { send.CopyTo(receive); return receive; }
        var c = counts.ToArray();
        var displacements = new int[Size];
        for (int r = 1; r < Size; r++) displacements[r] = displacements[r - 1] + c[r - 1];
        using var _ = Time();
        fixed (float* s = send) fixed (float* rcv = receive) fixed (int* pc = c) fixed (int* pd = displacements)
            mpi.Allgatherv(s, send.Length, rcv, pc, pd, mpi.Float);
        return receive;
    }

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="buffer"/> to every rank.</summary>
    /// <typeparam name="T">An unmanaged element type, sent as raw bytes.</typeparam>
    /// <param name="buffer">On the root, the values sent; on every other rank, overwritten with them. Same length on every rank.</param>
    /// <param name="root">Rank whose values are copied, in [0, Size); default 0.</param>
    public void Broadcast<T>(Span<T> buffer, int root = 0) where T : unmanaged
    {
        if (mpi == null || buffer.IsEmpty) return;
        using var _ = Time();
        fixed (T* p = buffer) mpi.Broadcast(p, buffer.Length * sizeof(T), mpi.Byte, root);
    }

    /// <summary>Waits until every rank gets here.</summary>
    public void Barrier()
    {
        if (mpi == null) return;
        using var _ = Time();
        mpi.Barrier();
    }

    /// <summary>
    /// Stops the whole job: prints <paramref name="message"/> with this rank to stderr and calls
    /// MPI_Abort, which ends every rank with <paramref name="exitCode"/>. Without MPI, exits the process.
    /// </summary>
    /// <param name="message">Why the job stops, printed to stderr with this rank's number.</param>
    /// <param name="exitCode">Exit status of every rank (MPI_Abort's error code); default 1.</param>
    public void Abort(string message, int exitCode = 1)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"normlab: rank {Rank} of {Size} failed: {message}");
        Console.Error.WriteLine($"normlab: aborting the job (MPI_Abort, exit status {exitCode}).");
        Console.Error.Flush();
        if (mpi != null) mpi.Abort(exitCode);
        Environment.Exit(exitCode);
    }

    private Timer Time()
    {
        Collectives++;
        busy.Start();
        return new Timer(busy);
    }

    private readonly struct Timer(Stopwatch watch) : IDisposable
    {
        public void Dispose() => watch.Stop();
    }

    /// <summary>For tests: loads an MPI library by name, to check the message when it is missing.</summary>
    internal static void LoadLibrary(string library) => MpiNative.Load(library);
}
