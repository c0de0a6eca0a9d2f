using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Layers;

/// <summary>Keras's padding semantics of the pooling layers, which a gradient check alone does not fix.</summary>
public class PoolingSemanticsTests
{
    private static Tensor Grid3x3(float offset) =>
        Tensor.FromArray(Enumerable.Range(1, 9).Select(v => v + offset).ToArray(), 1, 3, 3, 1);

    [Fact]
    public void MaxPooling_Same_IgnoresThePadding_EvenForNegativeValues()
    {
        // Values -9..-1: a zero-padded max would give 0 in the edge windows.
        var y = new MaxPooling2D(2, padding: "same").Call(Grid3x3(-10));
        Assert.Equal([1, 2, 2, 1], y.Shape);
        Assert.Equal([-5f, -4f, -2f, -1f], y.ToArray());
    }

    [Fact]
    public void AveragePooling_Same_AveragesOnlyRealValues()
    {
        var y = new AveragePooling2D(2, padding: "same").Call(Grid3x3(0));
        // Windows: {1,2,4,5}, {3,6}, {7,8}, {9}.
        Assert.Equal([3f, 4.5f, 7.5f, 9f], y.ToArray());
    }

    [Fact]
    public void Pooling_Valid_DropsTheRemainder()
    {
        var x = Grid3x3(0);
        Assert.Equal([5f], new MaxPooling2D(2).Call(x).ToArray());
        Assert.Equal([3f], new AveragePooling2D(2).Call(x).ToArray());
        Assert.Equal([5f], new GlobalAveragePooling2D().Call(x).ToArray());
    }

    [Fact]
    public void Conv2D_Same_OddExtraPaddingGoesBottomRight()
    {
        // A 2x2 all-ones kernel with 'same' on 3x3: TensorFlow pads one row/column at the bottom/right,
        // so output (0, 0) sums x[0..1, 0..1] and output (2, 2) is x[2, 2] alone.
        var conv = new Conv2D(1, 2, padding: "same", kernelInitializer: "ones");
        var y = conv.Call(Grid3x3(0)).ToArray();
        Assert.Equal(12f, y[0]);
        Assert.Equal(9f, y[8]);
        // Stride 2 on 3x3 'same': output 2x2, windows start at 0 and 2.
        var strided = new Conv2D(1, 2, strides: 2, padding: "same", kernelInitializer: "ones").Call(Grid3x3(0));
        Assert.Equal([1, 2, 2, 1], strided.Shape);
        Assert.Equal([12f, 9f, 15f, 9f], strided.ToArray());
    }
}
