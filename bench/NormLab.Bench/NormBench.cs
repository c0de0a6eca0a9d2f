using System.Diagnostics;
using System.Globalization;
using NormLab.Kernels;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `norm`: forward and forward+backward of the normalization layers (BN, LN, GN groups 4, IN =
/// GroupNormalization(groups: -1)) on (32, 28, 28, 64) NHWC and (32, 20, 128) inputs, timed through
/// the layer's <c>Call(x, training: true)</c> (and <c>Backward</c> with a ones seed), next to a plain
/// copy of the same tensor (the bandwidth floor) and PyTorch's fastest layout for the same op
/// (bench/norm_torch.py, run as a child process in the same run). Rounds alternate NormLab and
/// PyTorch; each number is the median over rounds of per-round medians, in milliseconds.
/// Options: <c>--rounds R</c> (default 3), <c>--python PATH</c> (default /usr/bin/python3),
/// <c>--no-torch</c>.
/// </summary>
internal static class NormBench
{
    private static readonly (string Name, int[] Dims)[] Shapes =
        [("nhwc (32,28,28,64)", [32, 28, 28, 64]), ("seq (32,20,128)", [32, 20, 128])];
    private static readonly string[] Ops = ["BN", "LN", "GN4", "IN"];

    internal static void Run(string[] args)
    {
        int rounds = Opt(args, "--rounds") is string r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        string python = Opt(args, "--python") ?? "/usr/bin/python3";
        bool torch = !args.Contains("--no-torch");
        string script = FindScript();

        // case -> per-round (copy, fwd, fwd+bwd) for NormLab and for PyTorch
        var ours = new Dictionary<string, List<double[]>>();
        var theirs = new Dictionary<string, List<double[]>>();
        string torchInfo = "";
        for (int round = 0; round < rounds; round++)
        {
            foreach (var (key, t) in RunNormLab()) Add(ours, key, t);
            if (torch)
            {
                var (info, rows) = RunTorch(python, script);
                torchInfo = info;
                foreach (var (key, t) in rows) Add(theirs, key, t);
                if (rows.Count == 0) torch = false;
            }
        }

        Console.WriteLine($"NormLab threads={KernelThreads.Max}; {torchInfo}; rounds={rounds} (median of per-round medians, ms)");
        Console.WriteLine("copy: Array.Copy into an existing array; new copy: into a freshly allocated one (PyTorch's copy column is clone).");
        Console.WriteLine($"{"case",-26} {"copy",6} {"newcpy",6} {"PTcopy",6} {"NL fwd",7} {"PT fwd",7} {"fwd NL/PT",9} {"NL/copy",7} {"NL/newcpy",9} {"NL f+b",7} {"PT f+b",7} {"f+b NL/PT",9}");
        foreach (var (name, _) in Shapes)
            foreach (var op in Ops)
            {
                string key = op + " " + name;
                var o = Median(ours[key]);
                var p = theirs.TryGetValue(key, out var list) ? Median(list) : [double.NaN, double.NaN, double.NaN];
                Console.WriteLine($"{key,-26} {o[0],6:F3} {o[3],6:F3} {p[0],6:F3} {o[1],7:F3} {p[1],7:F3} {o[1] / p[1],9:F2} {o[1] / o[0],7:F2} {o[1] / o[3],9:F2} {o[2],7:F3} {p[2],7:F3} {o[2] / p[2],9:F2}");
            }
    }

    private static IEnumerable<(string, double[])> RunNormLab()
    {
        foreach (var (name, dims) in Shapes)
        {
            int n = dims.Aggregate(1, (a, b) => a * b);
            var rng = new Random(1);
            var xd = new float[n];
            for (int i = 0; i < n; i++) xd[i] = (float)rng.NextDouble();
            var x = new Tensor(xd, dims);
            var seed = Tensor.Ones(dims);
            var copy = new float[n];
            double tCopy = Time(() => Array.Copy(xd, copy, n));
            // What any op that returns a fresh tensor pays at least (PyTorch's clone is this).
            double tNewCopy = Time(() => Array.Copy(xd, GC.AllocateUninitializedArray<float>(n), n));
            foreach (var op in Ops)
            {
                Layer layer = op switch
                {
                    "BN" => new BatchNormalization(),
                    "LN" => new LayerNormalization(),
                    "GN4" => new GroupNormalization(groups: 4),
                    _ => new GroupNormalization(groups: -1),
                };
                layer.Build(dims);
                x.RequiresGrad = false;
                double f = Time(() => layer.Call(x, training: true));
                x.RequiresGrad = true;
                double fb = Time(() =>
                {
                    x.Grad = null;
                    foreach (var w in layer.TrainableWeights) w.Grad = null;
                    layer.Call(x, training: true).Backward(seed);
                });
                yield return (op + " " + name, [tCopy, f, fb, tNewCopy]);
            }
        }
        RunLayers();
    }

    /// <summary>
    /// Layer level (tape, statistics, fused ops and moving-statistic updates included), training mode:
    /// BatchNormalization next to the layers made of the same statistics, BatchInstanceNormalization and
    /// SwitchableNormalization. The SN/BN column is the issue's goal (SN fwd+bwd within 2x of BN).
    /// </summary>
    private static void RunLayers()
    {
        Console.WriteLine();
        Console.WriteLine($"{"layer (training)",-28} {"fwd ms",9} {"fwd+bwd ms",11} {"fwd+bwd/BN",11}");
        foreach (var (name, dims) in new[] { ("nhwc (32,28,28,64)", new[] { 32, 28, 28, 64 }), ("seq (32,20,128)", new[] { 32, 20, 128 }) })
        {
            int n = dims.Aggregate(1, (a, b) => a * b);
            var rng = new Random(1);
            var x = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray(), dims);
            var dy = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), dims);
            double bn = 0;
            foreach (var (op, make) in new (string, Func<Layers.Layer>)[]
            {
                ("BN", () => new Layers.BatchNormalization()),
                ("BIN", () => new Layers.BatchInstanceNormalization()),
                ("SN", () => new Layers.SwitchableNormalization()),
            })
            {
                var layer = make();
                layer.Build(dims);
                double f = Time(() => { using var _ = Autograd.Tape.NoGrad(); layer.Call(x, training: true); });
                x.RequiresGrad = true;
                double fb = Time(() =>
                {
                    foreach (var w in layer.TrainableWeights) w.Grad = null;
                    x.Grad = null;
                    layer.Call(x, training: true).Backward(dy);
                });
                x.RequiresGrad = false;
                if (op == "BN") bn = fb;
                Console.WriteLine($"{op + " " + name,-28} {f,9:F3} {fb,11:F3} {fb / bn,11:F2}");
            }
        }
    }

    private static (string Info, List<(string, double[])> Rows) RunTorch(string python, string script)
    {
        var rows = new List<(string, double[])>();
        try
        {
            var psi = new ProcessStartInfo(python, [script, "--tsv"]) { RedirectStandardOutput = true, RedirectStandardError = true };
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
                rows.Add((f[0], [double.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)]));
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

    private static void Add(Dictionary<string, List<double[]>> d, string key, double[] t)
    {
        if (!d.TryGetValue(key, out var list)) d[key] = list = [];
        list.Add(t);
    }

    private static double[] Median(List<double[]> runs) =>
        Enumerable.Range(0, runs[0].Length).Select(j => runs.Select(r => r[j]).Order().ElementAt(runs.Count / 2)).ToArray();

    private static string? Opt(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static double Time(Action a, int reps = 30)
    {
        // Warm up for a fixed time, not a fixed count, so that the JIT's tiering (and OSR of the hot
        // loops) has settled before anything is timed; the small cases take microseconds per call.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.ElapsedMilliseconds < 300; i++) a();
        var t = new double[reps];
        for (int i = 0; i < reps; i++) { var sw = Stopwatch.StartNew(); a(); t[i] = sw.Elapsed.TotalMilliseconds; }
        Array.Sort(t);
        return t[reps / 2];
    }
}
