using NormLab.Distributed;
using Xunit;
using Xunit.Abstractions;

namespace NormLab.Tests.Distributed;

/// <summary>
/// Data-parallel training under mpirun against one process: the worker trains a Conv2D-BN-Dense-BN
/// network for 20 steps of global batch 32 with Adam and prints losses and final weights.
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
    public void TwoRanksWithLocalBatchNormMeasurablyDiffer()
    {
        var single = MpiRun.Single("train --sync 0");
        var two = MpiRun.Mpi(2, "train --sync 0");
        Assert.Equal(0, two.ExitCode);
        double loss = MaxDiff(single.Losses, two.Losses), weights = MaxDiff(single.Weights, two.Weights);
        double ranks = two.Result.GetProperty("rankDiff").GetDouble();
        output.WriteLine($"local BN, 2 ranks vs 1 process: max loss diff {loss:E2}, max weight diff {weights:E2}, moving statistics differ between ranks by {ranks:E2}");
        Assert.True(loss > 1e-3, $"expected the per-rank statistics to change the loss, max diff {loss:E2}");
        Assert.True(weights > 1e-3, $"expected the weights to differ, max diff {weights:E2}");
        // The trained weights are identical on every rank; the moving statistics are not.
        Assert.True(ranks > 1e-3);
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

    private void AssertMatchesOneProcess(int ranks)
    {
        var single = MpiRun.Single("train --sync 1");
        var many = MpiRun.Mpi(ranks, "train --sync 1");
        Assert.Equal(0, single.ExitCode);
        Assert.True(many.ExitCode == 0, many.Output);
        Assert.Equal(ranks, many.Result.GetProperty("ranks").GetInt32());
        Assert.Equal(20, many.Losses.Length);
        double loss = MaxDiff(single.Losses, many.Losses), weights = MaxDiff(single.Weights, many.Weights);
        double rankDiff = many.Result.GetProperty("rankDiff").GetDouble();
        output.WriteLine($"synchronized BN, {ranks} ranks vs 1 process (global batch 32, 20 steps): max loss diff {loss:E2}, max weight diff {weights:E2}, max diff between ranks {rankDiff:E2}");
        Assert.True(loss < LossTolerance, $"loss curves differ by {loss:E2}");
        Assert.True(weights < WeightTolerance, $"weights and moving statistics differ by {weights:E2}");
        Assert.Equal(0, rankDiff);
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
