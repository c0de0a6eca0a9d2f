using NormLab.Distributed;
using NormLab.Layers;
using Xunit;
using Xunit.Abstractions;

namespace NormLab.Tests.Distributed;

/// <summary>
/// Data-parallel training under mpirun against one process: the worker trains a Conv2D-BN-Dense-BN
/// network for 20 steps of global batch 32 with Adam and prints losses and final weights. The same
/// runs cover the other batch-statistic layers (worker --norm): switchable (sn), batch-instance (bin)
/// and ghost (ghost, virtual batch 8) normalization.
/// </summary>
public sealed class DataParallelTests(ITestOutputHelper output)
{
    // Loss curves agree to float rounding of a sum taken in another order; weights (moving
    // statistics included) after 20 Adam steps to a few float ulps of their size.
    private const double LossTolerance = 1e-5, WeightTolerance = 1e-5;

    [Theory]
    [InlineData(32, 3, 0, 11)]
    [InlineData(32, 3, 1, 11)]
    [InlineData(32, 3, 2, 10)]
    [InlineData(32, 2, 1, 16)]
    [InlineData(5, 4, 0, 2)]
    public void ShardsSplitTheGlobalBatchAndFirstRanksTakeTheRemainder(int total, int size, int rank, int count)
    {
        Assert.Equal(count, DataParallel.Shard(total, rank, size).count);
        var shards = Enumerable.Range(0, size).Select(r => DataParallel.Shard(total, r, size)).ToList();
        Assert.Equal(total, shards.Sum(s => s.count));
        for (int r = 1; r < size; r++) Assert.Equal(shards[r - 1].start + shards[r - 1].count, shards[r].start);
    }

    [Fact]
    public void AMissingMpiLibrarySaysWhatToInstall()
    {
        var e = Assert.Throws<DllNotFoundException>(() => Communicator.LoadLibrary("libmpi-not-installed.so.40"));
        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", e.Message);
    }

    [Fact]
    public void WithoutMpirunTheWorldIsOneProcess()
    {
        if (Communicator.LaunchedByMpirun()) return;
        Assert.Equal(1, Communicator.World.Size);
        Assert.True(Communicator.World.IsRoot);
        Assert.False(Communicator.World.UsesMpi);
    }

    [MpiFact]
    public void TwoRanksWithSynchronizedBatchNormMatchOneProcess() => AssertMatchesOneProcess(2);

    [MpiFact]
    public void ThreeRanksWithUnequalShardsMatchOneProcess() => AssertMatchesOneProcess(3);

    [MpiFact]
    public void TwoRanksWithLocalBatchNormMeasurablyDiffer() => AssertLocalStatisticsDiffer("bn");

    [MpiTheory]
    [InlineData("sn", 2)]
    [InlineData("sn", 3)]
    [InlineData("bin", 2)]
    [InlineData("bin", 3)]
    public void SynchronizedSwitchableAndBatchInstanceNormMatchOneProcess(string norm, int ranks) => AssertMatchesOneProcess(ranks, norm);

    [MpiTheory]
    [InlineData("sn")]
    [InlineData("bin")]
    public void LocalSwitchableAndBatchInstanceNormMeasurablyDiffer(string norm) => AssertLocalStatisticsDiffer(norm);

    /// <summary>
    /// Ghost batches (8 samples) never span ranks, so local and synchronized runs have the same loss curve
    /// as one process; synchronized: true averages the moving statistics, which then match one process and
    /// agree on every rank, while without it each rank keeps those of its own ghost batches.
    /// </summary>
    [MpiFact]
    public void GhostBatchNormSynchronizesOnlyItsMovingStatistics()
    {
        AssertMatchesOneProcess(2, "ghost");
        var single = MpiRun.Single("train --sync 0 --norm ghost");
        var local = MpiRun.Mpi(2, "train --sync 0 --norm ghost");
        Assert.True(local.ExitCode == 0, local.Output);
        double loss = MaxDiff(single.Losses, local.Losses), weights = MaxDiff(single.Weights, local.Weights);
        double ranks = local.Result.GetProperty("rankDiff").GetDouble();
        output.WriteLine($"local ghost BN, 2 ranks vs 1 process: max loss diff {loss:E2}, max weight diff {weights:E2} (moving statistics), moving statistics differ between ranks by {ranks:E2}");
        Assert.True(loss < LossTolerance, $"ghost batches are per replica: the loss should not change, max diff {loss:E2}");
        Assert.True(ranks > 1e-3, $"expected local moving statistics to differ between ranks, max diff {ranks:E2}");
    }

    [Fact]
    public void TheSynchronizedFlagSurvivesTheConfig()
    {
        Layer[] layers =
        [
            new SwitchableNormalization(synchronized: true),
            new BatchInstanceNormalization(synchronized: true),
            new GhostBatchNormalization(8, synchronized: true),
            new SwitchableNormalization(),
        ];
        bool[] expected = [true, true, true, false];
        for (int i = 0; i < layers.Length; i++)
        {
            var config = LayerRegistry.ToConfig(layers[i]);
            var rebuilt = LayerRegistry.FromConfig(config);
            Assert.Equal(expected[i], rebuilt switch
            {
                SwitchableNormalization sn => sn.Synchronized,
                BatchInstanceNormalization bin => bin.Synchronized,
                GhostBatchNormalization gbn => gbn.Synchronized,
                _ => throw new InvalidOperationException(),
            });
            Assert.Equal(config.ToJsonString(), LayerRegistry.ToConfig(rebuilt).ToJsonString());
        }
    }

    [MpiFact]
    public void ARankThatFailsStopsTheWholeJobWithAMessage()
    {
        var outcome = MpiRun.Mpi(2, "train --fail-rank 1 --fail-step 5", timeoutSeconds: 60);
        output.WriteLine(outcome.Output);
        Assert.False(outcome.TimedOut, "the job hung after a rank failed");
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("rank 1 of 2 failed", outcome.Output);
        Assert.Contains("injected failure at step 5", outcome.Output);
    }

    private void AssertMatchesOneProcess(int ranks, string norm = "bn")
    {
        var single = MpiRun.Single($"train --sync 1 --norm {norm}");
        var many = MpiRun.Mpi(ranks, $"train --sync 1 --norm {norm}");
        Assert.Equal(0, single.ExitCode);
        Assert.True(many.ExitCode == 0, many.Output);
        Assert.Equal(ranks, many.Result.GetProperty("ranks").GetInt32());
        Assert.Equal(20, many.Losses.Length);
        double loss = MaxDiff(single.Losses, many.Losses), weights = MaxDiff(single.Weights, many.Weights);
        double rankDiff = many.Result.GetProperty("rankDiff").GetDouble();
        output.WriteLine($"synchronized {norm}, {ranks} ranks vs 1 process (global batch 32, 20 steps): max loss diff {loss:E2}, max weight diff {weights:E2}, max diff between ranks {rankDiff:E2}");
        Assert.True(loss < LossTolerance, $"loss curves differ by {loss:E2}");
        Assert.True(weights < WeightTolerance, $"weights and moving statistics differ by {weights:E2}");
        Assert.Equal(0, rankDiff);
    }

    /// <summary>Without synchronization each of two ranks normalizes with its own batch statistics: the loss
    /// and the weights differ from one process, and the moving statistics differ between the ranks
    /// (the trained weights are identical on every rank).</summary>
    private void AssertLocalStatisticsDiffer(string norm)
    {
        var single = MpiRun.Single($"train --sync 0 --norm {norm}");
        var two = MpiRun.Mpi(2, $"train --sync 0 --norm {norm}");
        Assert.True(two.ExitCode == 0, two.Output);
        double loss = MaxDiff(single.Losses, two.Losses), weights = MaxDiff(single.Weights, two.Weights);
        double ranks = two.Result.GetProperty("rankDiff").GetDouble();
        output.WriteLine($"local {norm}, 2 ranks vs 1 process: max loss diff {loss:E2}, max weight diff {weights:E2}, moving statistics differ between ranks by {ranks:E2}");
        Assert.True(loss > 1e-3, $"expected the per-rank statistics to change the loss, max diff {loss:E2}");
        Assert.True(weights > 1e-3, $"expected the weights to differ, max diff {weights:E2}");
        Assert.True(ranks > 1e-3);
    }

    private static double MaxDiff(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        Assert.Equal(a.Count, b.Count);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }

    private static double MaxDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();
    }
}
