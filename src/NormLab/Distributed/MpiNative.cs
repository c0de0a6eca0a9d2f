using System.Runtime.InteropServices;

namespace NormLab.Distributed;

/// <summary>
/// The few MPI C functions NormLab needs, bound at run time through <see cref="NativeLibrary"/> and
/// unmanaged function pointers (there is no MPI package for .NET here). Open MPI's handles
/// (MPI_COMM_WORLD, MPI_FLOAT, ...) are the addresses of exported globals, read with GetExport.
/// </summary>
internal sealed unsafe class MpiNative
{
    /// <summary>Open MPI's library (Debian: openmpi-bin, libopenmpi-dev).</summary>
    internal const string DefaultLibrary = "libmpi.so.40";
    internal const string InstallHint = "apt-get install openmpi-bin libopenmpi-dev";
    private const int Success = 0;

    private readonly delegate* unmanaged<int*, byte***, int> init;
    private readonly delegate* unmanaged<int*, int> initialized;
    private readonly delegate* unmanaged<int*, int> finalized;
    private readonly delegate* unmanaged<int> finalize;
    private readonly delegate* unmanaged<nint, int*, int> commRank;
    private readonly delegate* unmanaged<nint, int*, int> commSize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> allreduce;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> allgather;
    private readonly delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int> allgatherv;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> bcast;
    private readonly delegate* unmanaged<nint, int> barrier;
    private readonly delegate* unmanaged<nint, int, int> abort;

    internal readonly nint CommWorld, Float, Double, Byte, Sum, Max;

    private MpiNative(nint lib)
    {
        init = (delegate* unmanaged<int*, byte***, int>)Export(lib, "MPI_Init");
        initialized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Initialized");
        finalized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Finalized");
        finalize = (delegate* unmanaged<int>)Export(lib, "MPI_Finalize");
        commRank = (delegate* unmanaged<nint, int*, int>)Export(lib, "MPI_Comm_rank");
        commSize = (delegate* unmanaged<nint, int*, int>)Export(lib, "MPI_Comm_size");
        allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(lib, "MPI_Allreduce");
        allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export(lib, "MPI_Allgather");
        allgatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int>)Export(lib, "MPI_Allgatherv");
        bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(lib, "MPI_Bcast");
        barrier = (delegate* unmanaged<nint, int>)Export(lib, "MPI_Barrier");
        abort = (delegate* unmanaged<nint, int, int>)Export(lib, "MPI_Abort");
        CommWorld = Export(lib, "ompi_mpi_comm_world");
        Float = Export(lib, "ompi_mpi_float");
        Double = Export(lib, "ompi_mpi_double");
        Byte = Export(lib, "ompi_mpi_byte");
        Sum = Export(lib, "ompi_mpi_op_sum");
        Max = Export(lib, "ompi_mpi_op_max");
    }

    /// <summary>Loads the MPI library, or throws <see cref="DllNotFoundException"/> saying what to install.</summary>
    internal static MpiNative Load(string library = DefaultLibrary)
    {
        nint lib = OpenGlobal(library);
        if (lib == 0 && !NativeLibrary.TryLoad(library, out lib))
            throw new DllNotFoundException(
                $"NormLab.Distributed: could not load the MPI library '{library}'. Distributed training needs Open MPI: " +
                $"install it with `{InstallHint}` (Debian/Ubuntu) and launch with `mpirun -np K ...`.");
        if (!NativeLibrary.TryGetExport(lib, "ompi_mpi_comm_world", out _))
            throw new DllNotFoundException(
                $"NormLab.Distributed: '{library}' is not Open MPI (no ompi_mpi_comm_world); NormLab binds Open MPI's ABI. Install it with `{InstallHint}`.");
        return new MpiNative(lib);
    }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var address) ? address
            : throw new EntryPointNotFoundException($"NormLab.Distributed: the MPI library has no symbol '{name}'.");

    // Open MPI's plugins resolve symbols of libmpi itself, so it must be opened RTLD_GLOBAL
    // (as mpi4py does); NativeLibrary.Load opens libraries RTLD_LOCAL.
    private static nint OpenGlobal(string library)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try { return dlopen(library, RtldNow | RtldGlobal); }
        catch (DllNotFoundException) { return 0; }
        catch (EntryPointNotFoundException) { return 0; }
    }

    private const int RtldNow = 2, RtldGlobal = 0x100;

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint dlopen([MarshalAs(UnmanagedType.LPStr)] string file, int mode);

    internal bool IsInitialized { get { int flag; Check(initialized(&flag), "MPI_Initialized"); return flag != 0; } }
    internal bool IsFinalized { get { int flag; Check(finalized(&flag), "MPI_Finalized"); return flag != 0; } }
    internal void Init() => Check(init(null, null), "MPI_Init");
    internal void FinalizeMpi() => Check(finalize(), "MPI_Finalize");
    internal int Rank() { int r; Check(commRank(CommWorld, &r), "MPI_Comm_rank"); return r; }
    internal int Size() { int s; Check(commSize(CommWorld, &s), "MPI_Comm_size"); return s; }
    internal void Barrier() => Check(barrier(CommWorld), "MPI_Barrier");
    internal void Abort(int code) => abort(CommWorld, code);

    /// <summary>In-place allreduce (MPI_IN_PLACE is (void*)1 in Open MPI).</summary>
    internal void AllreduceInPlace(void* buffer, int count, nint type, nint op) =>
        Check(allreduce((void*)1, buffer, count, type, op, CommWorld), "MPI_Allreduce");

    internal void Allgather(void* send, void* receive, int count, nint type) =>
        Check(allgather(send, count, type, receive, count, type, CommWorld), "MPI_Allgather");

    internal void Allgatherv(void* send, int count, void* receive, int* counts, int* displacements, nint type) =>
        Check(allgatherv(send, count, type, receive, counts, displacements, type, CommWorld), "MPI_Allgatherv");

    internal void Broadcast(void* buffer, int count, nint type, int root) =>
        Check(bcast(buffer, count, type, root, CommWorld), "MPI_Bcast");

    private static void Check(int code, string function)
    {
        if (code != Success) throw new InvalidOperationException($"NormLab.Distributed: {function} failed with MPI error code {code}.");
    }
}
