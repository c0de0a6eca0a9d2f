using NormLab.Autograd;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Tensors;

/// <summary>
/// Tensor.Dispose and the pool behind it: a disposed tensor cannot be read, its memory goes to the next
/// output of the same size only when nothing can still read it, and a recycled output holds exactly
/// the values a fresh one would.
/// </summary>
public class TensorDisposeTests : EmptyPoolTests
{
    private static LayerNormalization BuiltNorm(int[] shape)
    {
        var norm = new LayerNormalization();
        norm.Build(shape);
        return norm;
    }

    [Fact]
    public void ReadingADisposedTensorThrowsAndNamesItsShape()
    {
        var t = Tensor.Rand(3, 4);
        t.Dispose();
        t.Dispose(); // a second dispose does nothing
        Assert.True(t.IsDisposed);
        Assert.Equal([3, 4], t.Shape);
        var e = Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.Contains("shape (3, 4)", e.Message);
        Assert.Throws<ObjectDisposedException>(() => Ops.Add(t, Tensor.Ones(3, 4)));
        Assert.Throws<ObjectDisposedException>(() => Ops.Reshape(t, 12));
    }

    [Fact]
    public void ADisposedOutputGoesToTheNextOutputOfItsSize()
    {
        int[] shape = [8, 600];
        var norm = BuiltNorm(shape);
        var x = Tensor.RandN(shape);
        var expected = norm.Call(x).ToArray();

        var first = norm.Call(x);
        var array = first.Data;
        Assert.False(first.RecycledArray);
        first.Dispose();
        Assert.Equal(array.Length * 4L, TensorPool.PooledBytes);

        var second = norm.Call(x);
        Assert.Same(array, second.Data);
        Assert.True(second.RecycledArray);
        Assert.Equal(expected, second.ToArray());
        Assert.Equal(0, TensorPool.PooledBytes);
    }

    [Fact]
    public void AReshapeKeepsTheSharedValuesUntilItIsDisposedToo()
    {
        int[] shape = [8, 600];
        var norm = BuiltNorm(shape);
        var x = Tensor.RandN(shape);
        using var _ = Tape.NoGrad();
        var y = norm.Call(x);
        var values = y.ToArray();
        var flat = Ops.Reshape(y, -1);
        y.Dispose();

        var other = norm.Call(x);
        Assert.NotSame(flat.Data, other.Data);
        Assert.Equal(values, flat.ToArray());

        var array = flat.Data;
        flat.Dispose();
        Assert.Same(array, norm.Call(x).Data);
    }

    [Fact]
    public void BackwardThroughADisposedInputThrowsAndDisposingAfterBackwardKeepsGradientsExact()
    {
        int[] shape = [8, 600];
        var first = BuiltNorm(shape);
        var second = BuiltNorm(shape);
        var x = Tensor.RandN(shape);
        x.RequiresGrad = true;
        var seed = Tensor.RandN(shape);
        second.Call(first.Call(x)).Backward(seed);
        var expected = x.Grad!.ToArray();
        x.Grad = null;

        var hidden = first.Call(x);
        var output = second.Call(hidden);
        hidden.Dispose();
        first.Call(x); // takes the hidden array: the next line must not read it as hidden's values
        var e = Assert.Throws<ObjectDisposedException>(() => output.Backward(seed));
        Assert.Contains("shape (8, 600)", e.Message);
        Assert.Null(x.Grad);

        hidden = first.Call(x);
        output = second.Call(hidden);
        output.Backward(seed);
        hidden.Dispose();
        output.Dispose();
        Assert.Equal(expected, x.Grad!.ToArray());
        Assert.Throws<ObjectDisposedException>(() => output.Backward(seed));
    }

    /// <summary>
    /// Outputs of 2^20 floats: a fresh one is written with streaming stores, a recycled one with
    /// ordinary stores (it is in cache); both paths give the same bits.
    /// </summary>
    [Theory]
    [InlineData("BN")]
    [InlineData("LN")]
    [InlineData("GN4")]
    [InlineData("IN")]
    public void ARecycledOutputHoldsTheValuesOfAFreshOne(string op)
    {
        int[] shape = [4, 64, 64, 64];
        Layer layer = op switch
        {
            "BN" => new BatchNormalization(),
            "LN" => new LayerNormalization(),
            "GN4" => new GroupNormalization(groups: 4),
            _ => new GroupNormalization(groups: -1),
        };
        layer.Build(shape);
        NormLabRandom.SetSeed(3);
        var x = Tensor.RandN(shape) * 2.0 + 5.0;
        var fresh = layer.Call(x, training: true);
        Assert.False(fresh.RecycledArray);
        var expected = fresh.ToArray();
        fresh.Dispose();
        var recycled = layer.Call(x, training: true);
        Assert.True(recycled.RecycledArray);
        Assert.Equal(expected, recycled.ToArray());
    }

    /// <summary>The other ops that write into recycled memory: convolution (with its fused ReLU), max pooling, Dense, activations.</summary>
    [Fact]
    public void TheOtherLayersAlsoWriteRecycledOutputsExactly()
    {
        NormLabRandom.SetSeed(5);
        var cases = new (Layer Layer, Tensor X)[]
        {
            (new Conv2D(8, (3, 3), padding: "same", activation: "relu"), Tensor.RandN(4, 16, 16, 8)),
            (new MaxPooling2D((2, 2)), Tensor.RandN(4, 32, 32, 8)),
            (new Dense(16), Tensor.RandN(1024, 8)),
            (new Activation("sigmoid"), Tensor.RandN(4096, 2)),
        };
        foreach (var (layer, x) in cases)
        {
            var fresh = layer.Call(x);
            var expected = fresh.ToArray();
            fresh.Dispose();
            var recycled = layer.Call(x);
            Assert.True(recycled.RecycledArray, layer.Name);
            Assert.Equal(expected, recycled.ToArray());
        }
    }

    [Fact]
    public void ASumOverAxesOfSizeOneSharesItsGradientAsAView()
    {
        var x = Tensor.RandN(8192, 1);
        x.RequiresGrad = true;
        var seed = Ops.Relu(Tensor.RandN(8192, 1)); // an op output: its memory is recyclable
        var values = seed.ToArray();
        Ops.Sum(x, [1], keepDims: true).Backward(seed);
        seed.Dispose();
        var next = Ops.Relu(Tensor.RandN(8192, 1)); // would take seed's array if the gradient did not hold it
        Assert.NotSame(x.Grad!.Data, next.Data);
        Assert.Equal(values, x.Grad.ToArray());
    }

    [Fact]
    public void ThePoolKeepsNoMoreThanItsLimit()
    {
        int[] shape = [8, 600];
        var norm = BuiltNorm(shape);
        var x = Tensor.RandN(shape);
        long oneArray = 8 * 600 * sizeof(float);

        NormLabConfig.TensorPoolBytes = oneArray;
        var a = norm.Call(x);
        var b = norm.Call(x);
        a.Dispose();
        b.Dispose();
        Assert.Equal(oneArray, TensorPool.PooledBytes);

        NormLabConfig.TensorPoolBytes = 0;
        Assert.Equal(0, TensorPool.PooledBytes);
        norm.Call(x).Dispose();
        Assert.Equal(0, TensorPool.PooledBytes);
        Assert.False(norm.Call(x).RecycledArray);

        var e = Assert.Throws<ArgumentException>(() => NormLabConfig.TensorPoolBytes = -1);
        Assert.Contains("-1", e.Message);
    }
}
