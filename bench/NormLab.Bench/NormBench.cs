using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using NormLab.Kernels;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `norm`: forward and forward+backward of the normalization layers (BN, LN, GN groups 4, IN =
/// GroupNormalization(groups: -1)) on (32, 28, 28, 64) NHWC and (32, 20, 128) inputs, timed through
/// the layer's <c>Call(x, training: true)</c> (and <c>Backward</c> with a ones seed), next to plain
/// copies of the same tensor (the bandwidth floor: one thread and all kernel threads into an existing
/// array, all kernel threads into a fresh one) and PyTorch's fastest layout for the same op
/// (bench/norm_torch.py, run as a child process in the same run). Rounds alternate NormLab and
/// PyTorch; each number is the median over rounds of per-round medians, in milliseconds.
/// Options: <c>--rounds R</c> (default 3), <c>--python PATH</c> (default /usr/bin/python3),
/// <c>--no-torch</c>, <c>--cpu</c>, <c>--only TEXT</c> (cases whose name contains TEXT).
/// <para><c>--cpu</c> is the load-robust mode: one kernel thread on both sides (KernelThreads.Max = 1,
/// torch.set_num_threads(1)) and, next to the wall-clock table, a table of the CPU time the calling
/// thread spends per call (clock_gettime(CLOCK_THREAD_CPUTIME_ID) here, time.thread_time() in Python).
/// On a shared machine a time slice lost to another process shows in wall clock but not in CPU time,
/// so the CPU-time ratios hold under load. NormLab's <c>procCPU</c> column is the process CPU time
/// (all threads: background GC included) over a batch of calls divided by the count, the allocation
/// and GC cost of a layer call included.</para>
/// </summary>
internal static class NormBench
{
    /// <summary>One case's timings in ms: wall-clock median, calling-thread CPU median, process CPU per call.</summary>
    private readonly record struct Sample(double Wall, double Cpu, double Proc);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Sec; public long Nsec; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec ts);

    private const int ClockThreadCpuTime = 3;

    /// <summary>CPU time of the calling thread in ms (Linux); falls back to the process's CPU time.</summary>
    internal static double ThreadCpuMs()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var ts) == 0)
            return ts.Sec * 1e3 + ts.Nsec * 1e-6;
        return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }

    private static bool cpuMode;
    private static string? only;

    /// <summary><c>--only TEXT</c>: time only the cases whose name contains TEXT (e.g. "GN4 seq").</summary>
    private static bool Wanted(string key) => only == null || key.Contains(only, StringComparison.OrdinalIgnoreCase);

    private static readonly (string Name, int[] Dims)[] Shapes =
        [("nhwc (32,28,28,64)", [32, 28, 28, 64]), ("seq (32,20,128)", [32, 20, 128])];
    private static readonly string[] Ops = ["BN", "LN", "GN4", "IN"];

    internal static void Run(string[] args)
    {
        int rounds = Opt(args, "--rounds") is string r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        string python = Opt(args, "--python") ?? "/usr/bin/python3";
        bool torch = !args.Contains("--no-torch");
        cpuMode = args.Contains("--cpu");
        only = Opt(args, "--only");
        if (cpuMode) KernelThreads.Max = 1;
        string script = FindScript();

        // case -> per-round samples [copy, fwd, fwd+bwd, newcopyN, copyN] for NormLab, [copy, fwd, fwd+bwd] for PyTorch
        var ours = new Dictionary<string, List<Sample[]>>();
        var theirs = new Dictionary<string, List<Sample[]>>();
        var layers = new Dictionary<string, List<Sample[]>>();
        var torchLayers = new Dictionary<string, List<Sample[]>>();
        string torchInfo = "";
        // A discarded NormLab round first: until the GC has sized gen0 and the JIT has tiered up, the
        // first case timed ran up to three times slower than in later rounds.
        foreach (var _ in RunNormLab()) { }
        for (int round = 0; round < rounds; round++)
        {
            foreach (var (key, t) in RunNormLab()) Add(ours, key, t);
            foreach (var (key, t) in RunLayers()) Add(layers, key, t);
            if (torch)
            {
                var (info, rows) = RunTorch(python, script);
                torchInfo = info;
                foreach (var (key, t) in rows)
                    Add(key.StartsWith("BIN ") || key.StartsWith("SN ") ? torchLayers : theirs, key, t);
                if (rows.Count == 0) torch = false;
            }
        }

        double la = Environment.ProcessorCount > 0 && File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : 0;
        Console.WriteLine($"NormLab threads={KernelThreads.Max}; {torchInfo}; rounds={rounds} (median of per-round medians, ms); load average {la:F1} on {Environment.ProcessorCount} cores");
        Console.WriteLine($"copy: Array.Copy into an existing array, one thread; cpyN: the same on {KernelThreads.Max} thread(s); newcpN: into a freshly allocated array on {KernelThreads.Max} thread(s), the floor for an op that returns a new tensor. PyTorch's copy column is clone().");
        Console.WriteLine("NL fwd and f+b dispose each output (and the input's gradient), as a PyTorch loop frees them, so the next call reuses warm memory; fresh: the forward when nothing is disposed, every output new memory (compare it with newcpN).");
        var kinds = cpuMode ? new[] { ("wall clock", 0), ("CPU time of the calling thread (the goals are judged on this table)", 1) } : new[] { ("wall clock", 0) };
        foreach (var (title, kind) in kinds)
        {
            Console.WriteLine();
            Console.WriteLine($"-- {title}");
            Console.WriteLine($"{"case",-26} {"copy",6} {"cpyN",6} {"newcpN",6} {"PTcopy",6} {"NL fwd",7} {"fresh",7} {"PT fwd",7} {"fwd NL/PT",9} {"NL/copy",7} {"NL/cpyN",7} {"fresh/newcpN",12} {"NL f+b",7} {"PT f+b",7} {"f+b NL/PT",9}" + (kind == 1 ? $" {"procCPU fwd",11}" : ""));
            foreach (var (name, _) in Shapes)
                foreach (var op in Ops)
                {
                    string key = op + " " + name;
                    if (!ours.ContainsKey(key)) continue;
                    var o = Median(ours[key], kind);
                    var p = theirs.TryGetValue(key, out var list) ? Median(list, kind) : [double.NaN, double.NaN, double.NaN];
                    string proc = kind == 1 ? $" {Median(ours[key], 2)[1],11:F3}" : "";
                    Console.WriteLine($"{key,-26} {o[0],6:F3} {o[4],6:F3} {o[3],6:F3} {p[0],6:F3} {o[1],7:F3} {o[5],7:F3} {p[1],7:F3} {o[1] / p[1],9:F2} {o[1] / o[0],7:F2} {o[1] / o[4],7:F2} {o[5] / o[3],12:F2} {o[2],7:F3} {p[2],7:F3} {o[2] / p[2],9:F2}" + proc);
                }
            // Layer level (tape, statistics, fused ops and moving-statistic updates included), training mode:
            // BatchNormalization next to the layers made of the same statistics. SN/BN is issue 4's goal.
            Console.WriteLine();
            Console.WriteLine($"{"layer (training)",-28} {"fwd",9} {"fwd+bwd",9} {"f+b/BN",7} {"PT fwd",9} {"PT f+b",9} {"PT f+b/BN",9}");
            foreach (var (name, _) in Shapes)
            {
                if (!layers.ContainsKey("BN " + name)) continue;
                double bn = Median(layers["BN " + name], kind)[1];
                double pbn = theirs.TryGetValue("BN " + name, out var pl) ? Median(pl, kind)[2] : double.NaN;
                foreach (var op in new[] { "BN", "BIN", "SN" })
                {
                    string key = op + " " + name;
                    if (!layers.ContainsKey(key)) continue;
                    var o = Median(layers[key], kind);
                    var p = op == "BN" ? (theirs.TryGetValue(key, out var l0) ? Median(l0, kind) : [double.NaN, double.NaN, double.NaN])
                        : torchLayers.TryGetValue(key, out var l1) ? Median(l1, kind) : [double.NaN, double.NaN, double.NaN];
                    Console.WriteLine($"{key,-28} {o[0],9:F3} {o[1],9:F3} {o[1] / bn,7:F2} {p[1],9:F3} {p[2],9:F3} {p[2] / pbn,9:F2}");
                }
            }
        }
    }

    private static IEnumerable<(string, Sample[])> RunNormLab()
    {
        foreach (var (name, dims) in Shapes)
        {
            if (!Ops.Any(op => Wanted(op + " " + name))) continue;
            int n = dims.Aggregate(1, (a, b) => a * b);
            var rng = new Random(1);
            var xd = new float[n];
            for (int i = 0; i < n; i++) xd[i] = (float)rng.NextDouble();
            var x = new Tensor(xd, dims);
            var seed = Tensor.Ones(dims);
            var copy = new float[n];
            var tCopy = Time(() => Array.Copy(xd, copy, n));
            var tCopyN = Time(() => CopyOnKernelThreads(xd, copy));
            // What any op that returns a fresh tensor pays at least: its output is memory the program
            // has not touched since the last GC, so not in cache (PyTorch's allocator reuses warm blocks).
            var tNewCopy = Time(() => CopyOnKernelThreads(xd, GC.AllocateUninitializedArray<float>(n)));
            foreach (var op in Ops)
            {
                if (!Wanted(op + " " + name)) continue;
                Layer layer = op switch
                {
                    "BN" => new BatchNormalization(),
                    "LN" => new LayerNormalization(),
                    "GN4" => new GroupNormalization(groups: 4),
                    _ => new GroupNormalization(groups: -1),
                };
                layer.Build(dims);
                x.RequiresGrad = false;
                // As a PyTorch loop does when it rebinds y: the last output's memory goes to the next call.
                var f = Time(() => layer.Call(x, training: true).Dispose());
                var fresh = Time(() => layer.Call(x, training: true));
                x.RequiresGrad = true;
                var fb = Time(() =>
                {
                    x.Grad?.Dispose();
                    x.Grad = null;
                    foreach (var w in layer.TrainableWeights) w.Grad = null;
                    using var y = layer.Call(x, training: true);
                    y.Backward(seed);
                });
                yield return (op + " " + name, [tCopy, f, fb, tNewCopy, tCopyN, fresh]);
            }
        }
    }

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/> in one slice per kernel thread.</summary>
    private static void CopyOnKernelThreads(float[] src, float[] dst) =>
        KernelThreads.ForRanges(src.Length, src.Length, 0, (s, e) => Array.Copy(src, s, dst, s, e - s));

    /// <summary>
    /// Layer level, training mode: BatchNormalization, BatchInstanceNormalization and SwitchableNormalization,
    /// forward (no tape) and forward+backward with a random seed; samples [fwd, fwd+bwd].
    /// </summary>
    private static IEnumerable<(string, Sample[])> RunLayers()
    {
        foreach (var (name, dims) in Shapes)
        {
            int n = dims.Aggregate(1, (a, b) => a * b);
            var rng = new Random(1);
            var x = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray(), dims);
            var dy = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), dims);
            foreach (var (op, make) in new (string, Func<Layers.Layer>)[]
            {
                ("BN", () => new Layers.BatchNormalization()),
                ("BIN", () => new Layers.BatchInstanceNormalization()),
                ("SN", () => new Layers.SwitchableNormalization()),
            })
            {
                if (!Wanted(op + " " + name) && !(op == "BN" && only is string o && (Wanted("SN " + name) || Wanted("BIN " + name)))) continue;
                var layer = make();
                layer.Build(dims);
                var f = Time(() => { using var _ = Autograd.Tape.NoGrad(); layer.Call(x, training: true); });
                x.RequiresGrad = true;
                var fb = Time(() =>
                {
                    foreach (var w in layer.TrainableWeights) w.Grad = null;
                    x.Grad = null;
                    layer.Call(x, training: true).Backward(dy);
                });
                x.RequiresGrad = false;
                yield return (op + " " + name, [f, fb]);
            }
        }
    }

    private static (string Info, List<(string, Sample[])> Rows) RunTorch(string python, string script)
    {
        var rows = new List<(string, Sample[])>();
        try
        {
            var psi = new ProcessStartInfo(python, [script, "--tsv", "--threads", cpuMode ? "1" : KernelThreads.Max.ToString(CultureInfo.InvariantCulture)])
                { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) return ($"PyTorch side failed: {err.Trim().Split('\n')[^1]}", rows);
            string info = "";
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split('\t');
                if (f[0] == "info") { info = f[1]; continue; }
                double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
                // wall copy, fwd, fwd+bwd, then thread-CPU copy, fwd, fwd+bwd
                rows.Add((f[0], [new Sample(D(1), D(4), double.NaN), new Sample(D(2), D(5), double.NaN), new Sample(D(3), D(6), double.NaN)]));
            }
            return (info, rows);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return ($"PyTorch side not run: {e.Message}", rows);
        }
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "norm_torch.py");
            if (File.Exists(candidate)) return candidate;
        }
        return Path.Combine("bench", "norm_torch.py");
    }

    private static void Add(Dictionary<string, List<Sample[]>> d, string key, Sample[] t)
    {
        if (!d.TryGetValue(key, out var list)) d[key] = list = [];
        list.Add(t);
    }

    /// <summary>Median over rounds of each column; kind 0 wall, 1 thread CPU, 2 process CPU.</summary>
    private static double[] Median(List<Sample[]> runs, int kind) =>
        Enumerable.Range(0, runs[0].Length).Select(j => runs.Select(r => kind == 0 ? r[j].Wall : kind == 1 ? r[j].Cpu : r[j].Proc)
            .Order().ElementAt(runs.Count / 2)).ToArray();

    private static string? Opt(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static Sample Time(Action a, int reps = 30)
    {
        // Warm up for a fixed time, not a fixed count, so that the JIT's tiering (and OSR of the hot
        // loops) has settled before anything is timed; the small cases take microseconds per call.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.ElapsedMilliseconds < 300; i++) a();
        if (cpuMode) reps *= 2;
        var t = new double[reps]; var c = new double[reps];
        var proc = Process.GetCurrentProcess();
        proc.Refresh();
        double p0 = proc.TotalProcessorTime.TotalMilliseconds;
        for (int i = 0; i < reps; i++)
        {
            double c0 = ThreadCpuMs();
            var sw = Stopwatch.StartNew();
            a();
            t[i] = sw.Elapsed.TotalMilliseconds;
            c[i] = ThreadCpuMs() - c0;
        }
        proc.Refresh();
        double p1 = proc.TotalProcessorTime.TotalMilliseconds;
        Array.Sort(t); Array.Sort(c);
        return new Sample(t[reps / 2], c[reps / 2], (p1 - p0) / reps);
    }
}
