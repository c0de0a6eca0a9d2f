using NormLab.Bench;
using NormLab.Kernels;

// Each subcommand lives in its own file and registers one line here.
var commands = new Dictionary<string, (string Help, Action<string[]> Run)>(StringComparer.OrdinalIgnoreCase)
{
    ["gemm"] = ("peak FP32 FLOP rate and GEMM GFLOP/s for square sizes", GemmBench.Run),
    ["conv"] = ("Conv2DKernel timings on the MNIST CNN layers", ConvBench.Run),
    ["norm"] = ("fused BN/LN/GN/IN kernels, forward and forward+backward, vs a copy", NormBench.Run),
    ["norm-layers-a"] = ("beyond-Keras part A layers (IN, ghost BN, FRN, EvoNorm, LRN, WS) vs BN, through the tape", BeyondABench.Run),
    ["conv-layers"] = ("Conv1D, DepthwiseConv2D, Conv2DTranspose forward+backward: NormLab vs PyTorch", ConvLayersBench.Run),
    ["cnn"] = ("MNIST CNN train step and inference: NormLab vs PyTorch", CnnBench.Run),
    ["train-step"] = ("ms per Fit step of a CNN, an LSTM model and an MLP (GC settings, see README)", TrainStepBench.Run),
    ["seq"] = ("GRU and MultiHeadAttention forward+backward: NormLab vs PyTorch, results to bench/results/", SeqBench.Run),
    ["vit"] = ("the lab's pre-LN ViT, one training step at batch 64: NormLab vs PyTorch, results to bench/results/", VitBench.Run),
    ["distributed"] = ("data-parallel CNN training throughput under mpirun (see distributed.sh)", DistributedBench.Run),
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.WriteLine("usage: NormLab.Bench <command> [--threads N] [options]");
    foreach (var (name, (help, _)) in commands) Console.WriteLine($"  {name,-8} {help}");
    return args.Length == 0 ? 0 : 1;
}

var rest = args[1..];
int t = Array.IndexOf(rest, "--threads");
if (t >= 0 && t + 1 < rest.Length) KernelThreads.Max = int.Parse(rest[t + 1]);
command.Run(rest);
return 0;
