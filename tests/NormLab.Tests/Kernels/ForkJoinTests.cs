using NormLab.Kernels;
using Xunit;

namespace NormLab.Tests.Kernels;

/// <summary>The kernels' fork-join: every task once, errors surfaced, nesting and concurrent callers.</summary>
public class ForkJoinTests
{
    private static void WithThreads(int threads, Action test)
    {
        int saved = KernelThreads.Max;
        KernelThreads.Max = threads;
        try { test(); }
        finally { KernelThreads.Max = saved; }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void RunsEveryTaskExactlyOnce(int threads) => WithThreads(threads, () =>
    {
        for (int round = 0; round < 300; round++)
        {
            int tasks = 1 + round % 37;
            var runs = new int[tasks];
            ForkJoin.Run(tasks, t => Interlocked.Increment(ref runs[t]));
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    });

    [Fact]
    public void RethrowsTheTaskExceptionAndStaysUsable() => WithThreads(2, () =>
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            ForkJoin.Run(8, t => { if (t == 5) throw new InvalidOperationException("task 5 failed"); }));
        Assert.Equal("task 5 failed", e.Message);
        int sum = 0;
        ForkJoin.Run(8, t => Interlocked.Add(ref sum, t));
        Assert.Equal(28, sum);
    });

    [Fact]
    public void NestedForksAndConcurrentCallersComplete() => WithThreads(2, () =>
    {
        // Four threads fork at once (only one gets the helpers; the others fall back to the thread
        // pool) and every task forks again from inside the outer fork.
        var totals = new long[4];
        var callers = Enumerable.Range(0, 4).Select(c => new Thread(() =>
        {
            for (int round = 0; round < 100; round++)
                ForkJoin.Run(3, t => ForkJoin.Run(5, u => Interlocked.Add(ref totals[c], 1 + t * 5 + u)));
        })).ToList();
        callers.ForEach(t => t.Start());
        callers.ForEach(t => t.Join());
        Assert.All(totals, s => Assert.Equal(100L * (15 * 16 / 2), s));
    });
}
