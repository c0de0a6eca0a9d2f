using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Autograd;

/// <summary>
/// Finite-difference checks of the ops under the recurrent and attention layers: Reverse, BatchMatMul, the
/// fused GRU recurrence (mask and recurrent dropout included) and the fused multi-head attention (masks,
/// dropout with a fixed mask); the attention kernel on a problem large enough to be split over threads gives
/// the same values on 1 and on 2 threads.
/// </summary>
public class SequenceOpsGradTests
{
    private static Tensor U(int seed, params int[] shape) => Uniform(seed, -1, 1, shape);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Reverse(int axis)
    {
        Check(t => Ops.Reverse(t[0], axis), [U(1, 2, 3, 4)], what: "Reverse");
        Assert.Equal([3f, 2f, 1f], Ops.Reverse(Tensor.FromArray([1, 2, 3], 3), 0).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchMatMul(bool transposeB)
    {
        var b = transposeB ? U(3, 2, 5, 4) : U(3, 2, 4, 5);
        Check(t => Ops.BatchMatMul(t[0], t[1], transposeB), [U(2, 2, 3, 4), b], what: "BatchMatMul");
        var y = Ops.BatchMatMul(Tensor.FromArray([1, 2, 3, 4], 1, 2, 2), Tensor.FromArray([5, 6, 7, 8], 1, 2, 2), transposeB);
        Assert.Equal(transposeB ? [17f, 23f, 39f, 53f] : [19f, 22f, 43f, 50f], y.ToArray());
        Assert.Contains("BatchMatMul", Assert.Throws<ArgumentException>(() => Ops.BatchMatMul(U(1, 2, 3, 4), U(1, 3, 4, 5))).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GruSequence(bool maskAndDropout)
    {
        var mask = maskAndDropout ? Tensor.FromArray([1, 1, 0, 1, 1, 0, 0, 0], 2, 4) : null;
        var dropout = maskAndDropout ? Tensor.FromArray([0, 2, 2, 2, 0, 2], 2, 3) : null;
        Check(t => Ops.GruSequence(t[0], t[1], t[2], mask, dropout), [U(4, 2, 4, 9), U(5, 3, 9), U(6, 9)], what: "GruSequence");
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 0.4)]
    public void MultiHeadDotProductAttention(bool masked, double dropout)
    {
        var mask = masked ? Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i % 4 == 3 ? 0f : 1f).ToArray(), 2, 3, 4) : null;
        Check(t =>
        {
            NormLabRandom.SetSeed(3); // the same dropout mask on every evaluation
            return Ops.MultiHeadDotProductAttention(t[0], t[1], t[2], 0.7, mask, dropout, training: true).Output;
        }, [U(7, 2, 3, 2, 3), U(8, 2, 4, 2, 3), U(9, 2, 4, 2, 5)], what: "MultiHeadDotProductAttention");
    }

    [Fact]
    public void MultiHeadDotProductAttention_SameOnOneAndTwoThreads()
    {
        // 8 samples x 4 heads x 32 x 32 scores x (16 + 16) depth: above the threshold that splits the tasks.
        float[][] Run(int threads)
        {
            using var _ = new Threads(threads);
            Tensor[] inputs = [U(10, 8, 32, 4, 16), U(11, 8, 32, 4, 16), U(12, 8, 32, 4, 16)];
            foreach (var t in inputs) t.RequiresGrad = true;
            var (y, p) = Ops.MultiHeadDotProductAttention(inputs[0], inputs[1], inputs[2], 0.25, null, 0, training: false);
            y.Backward(U(13, y.Shape));
            return [y.ToArray(), p.ToArray(), .. inputs.Select(t => t.Grad!.ToArray())];
        }
        var one = Run(1);
        var two = Run(2);
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
    }

    /// <summary>Sets KernelThreads.Max for a test and restores it.</summary>
    private sealed class Threads : IDisposable
    {
        private readonly int saved = NormLab.Kernels.KernelThreads.Max;
        internal Threads(int threads) => NormLab.Kernels.KernelThreads.Max = threads;
        public void Dispose() => NormLab.Kernels.KernelThreads.Max = saved;
    }
}
