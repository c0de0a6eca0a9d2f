using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Autograd;

/// <summary>
/// Backward disposes the gradients of intermediate tensors as soon as nothing pending holds them, so their
/// memory is reused within the same walk; the seed, the leaves' gradients and every value the walk still
/// needs stay intact.
/// </summary>
public class GradientReleaseTests : EmptyPoolTests
{
    private static float[] InputGradient(Func<Tensor, Tensor> f, Tensor x, Tensor? seed = null)
    {
        x.Grad = null;
        f(x).Backward(seed);
        return x.Grad!.ToArray();
    }

    /// <summary>A chain of normalizations and activations, long enough that released gradients are reused mid-walk.</summary>
    private static Func<Tensor, Tensor> Chain(int[] shape, int depth)
    {
        var norms = Enumerable.Range(0, depth).Select(_ => { var n = new LayerNormalization(); n.Build(shape); return n; }).ToArray();
        return x =>
        {
            var h = x;
            foreach (var norm in norms) h = Ops.Mul(Ops.Relu(norm.Call(h, training: true)), h);
            return h;
        };
    }

    [Fact]
    public void ReleasedGradientsAreReusedWithinTheWalkAndTheResultIsUnchanged()
    {
        int[] shape = [8, 600];
        var f = Chain(shape, 4);
        var x = Tensor.RandN(shape);
        x.RequiresGrad = true;
        var seed = Tensor.RandN(shape);

        NormLabConfig.TensorPoolBytes = 0; // nothing pooled: every gradient is fresh memory
        var fresh = InputGradient(f, x, seed);
        NormLabConfig.TensorPoolBytes = SavedLimit;
        var pooled = InputGradient(f, x, seed);
        Assert.True(TensorPool.PooledBytes > 0, "backward should hand the intermediate gradients' memory to the pool");
        var again = InputGradient(f, x, seed);

        Assert.Equal(fresh, pooled);
        Assert.Equal(fresh, again);
        Assert.False(seed.IsDisposed);
        Assert.Equal(shape, seed.Shape);
        _ = seed.ToArray(); // the caller's seed is never released
    }

    [Fact]
    public void OneTensorTwiceAsInputGetsBothGradients()
    {
        var x = Tensor.RandN(16, 300);
        x.RequiresGrad = true;
        var h = new LayerNormalization();
        h.Build([16, 300]);
        // Add hands the same incoming gradient to both of its inputs.
        var viaTwoPaths = InputGradient(t => { var a = h.Call(t, training: true); return Ops.Add(a, a); }, x);
        var viaScale = InputGradient(t => Ops.Mul(h.Call(t, training: true), Tensor.Full([16, 300], 2f)), x);
        for (int i = 0; i < viaScale.Length; i++) Assert.Equal(viaScale[i], viaTwoPaths[i], 5);
    }

    [Fact]
    public void ALeafGradientHandedThroughIsKeptAndAccumulates()
    {
        var x = Tensor.RandN(16, 300);
        x.RequiresGrad = true;
        var seed = Tensor.RandN(4800);
        // Reshape hands the incoming gradient through (as a view); Add hands it to both inputs, one a leaf.
        Ops.Reshape(Ops.Add(x, Ops.Relu(x)), 4800).Backward(seed);
        var first = x.Grad!.ToArray();
        Ops.Reshape(Ops.Add(x, Ops.Relu(x)), 4800).Backward(seed);
        var second = x.Grad!.ToArray();
        var xs = x.ToArray();
        var s = seed.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            float expected = s[i] * (xs[i] > 0 ? 2 : 1);
            Assert.Equal(expected, first[i], 5);
            Assert.Equal(2 * expected, second[i], 5);
        }
    }
}
