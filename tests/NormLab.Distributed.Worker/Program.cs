using System.Globalization;
using System.Text.Json;
using NormLab;
using NormLab.Callbacks;
using NormLab.Distributed;
using NormLab.Layers;

// usage: Worker checkpoint RESULTS.json   (see CheckpointLoop: rewrites a growing results file until killed)
//        Worker train [--distributed 1] [--sync 1] [--norm bn|sn|bin|ghost] [--steps 20] [--batch 32] [--seed 7]
//                     [--fail-rank R --fail-step S]
// --norm picks the batch-statistic layer under test (default BatchNormalization): switchable, batch-instance
// or ghost (virtual batch 8) normalization, each with synchronized: --sync.
// Rank 0 prints one line "RESULT {json}": per-step global losses, all final weights (moving
// statistics included) and the largest difference of the weights between ranks.
if (args.Length > 1 && args[0] == "checkpoint") return CheckpointLoop.Run(args[1]);

var options = new Dictionary<string, string>();
for (int i = 1; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
int Int(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

bool distributed = Int("distributed", 1) == 1, sync = Int("sync", 1) == 1;
int steps = Int("steps", 20), batch = Int("batch", 32), seed = Int("seed", 7);
int failRank = Int("fail-rank", -1), failStep = Int("fail-step", -1);
string norm = options.TryGetValue("norm", out var normName) ? normName : "bn";
NormLabConfig.Threads = 1;

var world = distributed ? Communicator.World : null;
int rank = world?.Rank ?? 0;

// No bias before a BN: its true gradient is 0, and Adam would turn the float noise of that 0 into
// full-size steps that differ between any two summation orders.
// The data is the same on every rank; the initial weights are not (rank 0's must win the broadcast).
NormLabRandom.SetSeed(seed);
var x = Tensor.RandN(steps * batch, 6, 6, 2);
var y = Tensor.RandInt(0, 3, steps * batch);
NormLabRandom.SetSeed(seed + 1000 * rank);
var model = new Sequential(norm switch
{
    "bn" =>
    [
        new Conv2D(4, (3, 3), useBias: false, inputShape: [6, 6, 2]),
        new BatchNormalization(momentum: 0.9, synchronized: sync),
        new Activation("relu"),
        new Flatten(),
        new Dense(8, useBias: false),
        new BatchNormalization(momentum: 0.9, synchronized: sync),
        new Activation("relu"),
        new Dense(3, activation: "softmax"),
    ],
    "sn" =>
    [
        new Conv2D(4, (3, 3), useBias: false, inputShape: [6, 6, 2]),
        new SwitchableNormalization(momentum: 0.9, synchronized: sync),
        new Activation("relu"),
        new Flatten(),
        new Dense(8, useBias: false),
        new SwitchableNormalization(momentum: 0.9, synchronized: sync),
        new Activation("relu"),
        new Dense(3, activation: "softmax"),
    ],
    // BIN needs a spatial extent: two convolutions, no dense-layer norm.
    "bin" =>
    [
        new Conv2D(4, (3, 3), useBias: false, inputShape: [6, 6, 2]),
        new BatchInstanceNormalization(momentum: 0.9, synchronized: sync),
        new Activation("relu"),
        new Conv2D(4, (3, 3), useBias: false),
        new BatchInstanceNormalization(momentum: 0.9, synchronized: sync),
        new Activation("relu"),
        new Flatten(),
        new Dense(3, activation: "softmax"),
    ],
    "ghost" =>
    [
        new Conv2D(4, (3, 3), useBias: false, inputShape: [6, 6, 2]),
        new GhostBatchNormalization(8, momentum: 0.9, synchronized: sync),
        new Activation("relu"),
        new Flatten(),
        new Dense(8, useBias: false),
        new GhostBatchNormalization(8, momentum: 0.9, synchronized: sync),
        new Activation("relu"),
        new Dense(3, activation: "softmax"),
    ],
    _ => throw new ArgumentException($"unknown --norm {norm} (bn, sn, bin or ghost)"),
});
model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
var recorder = new Recorder(rank, failRank, failStep);
var history = model.Fit(x, y, epochs: 1, batchSize: batch, callbacks: [recorder], verbose: 0, distributed: distributed);

var flat = model.Weights.SelectMany(w => w.ToArray()).ToArray();
double rankDiff = 0;
if (world != null)
{
    var root = (float[])flat.Clone();
    world.Broadcast<float>(root);
    var diff = new double[] { flat.Zip(root, (a, b) => (double)Math.Abs(a - b)).Max() };
    world.AllreduceMax(diff);
    rankDiff = diff[0];
}
if (rank == 0)
    Console.WriteLine("RESULT " + JsonSerializer.Serialize(new
    {
        ranks = world?.Size ?? 1,
        losses = recorder.Losses,
        accuracy = history["accuracy"][^1],
        weights = flat,
        names = model.Weights.Select(w => w.Name).ToArray(),
        sizes = model.Weights.Select(w => w.Size).ToArray(),
        rankDiff,
    }));
return 0;

sealed class Recorder(int rank, int failRank, int failStep) : Callback
{
    public List<double> Losses { get; } = new();

    public override void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        Losses.Add(logs["loss"]);
        if (rank == failRank && batch == failStep)
            throw new InvalidOperationException($"injected failure at step {batch}");
    }
}
