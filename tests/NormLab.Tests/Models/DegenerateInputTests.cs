using NormLab.Layers;
using NormLab.Losses;
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>
/// The core layers on empty batches, zero-sized axes and NaN: an empty batch passes through, a NaN
/// propagates as NaN (it used to throw ArithmeticException from Math.Sign in gelu, in the gradient of
/// |x| and in the mean absolute error), and anything a layer cannot take is its own named exception.
/// </summary>
public class DegenerateInputTests
{
    [Fact]
    public void EmptyBatchPassesThrough()
    {
        // Flatten used to compute its features as Size / batch, (0, 4, 4, 1) -> (0, 0); sigmoid (LSTM's gates)
        // threw TensorPrimitives' "Input span arguments must not be empty".
        Assert.Equal([0, 16], new Flatten().Call(Tensor.Zeros(0, 4, 4, 1)).Shape);
        Assert.Equal([0, 4], new Activation("sigmoid").Call(Tensor.Zeros(0, 4)).Shape);
        var x = Tensor.Zeros(0, 5, 2);
        x.RequiresGrad = true;
        var y = new LSTM(3).Call(x, training: true);
        Assert.Equal([0, 3], y.Shape);
        y.Backward(Tensor.Zeros(0, 3));
        Assert.Equal([0, 5, 2], x.Grad!.Shape);
    }

    [Fact]
    public void NaNPropagatesInsteadOfThrowing()
    {
        var x = Tensor.FromArray([float.NaN, 1f, -1f], 3);
        x.RequiresGrad = true;
        var gelu = new Activation("gelu").Call(x);
        Assert.True(float.IsNaN(gelu.ToArray()[0]));
        Assert.False(float.IsNaN(gelu.ToArray()[1]));

        var abs = Ops.Abs(x);
        abs.Backward(Tensor.Ones(3));
        Assert.Equal([float.NaN, 1f, -1f], x.Grad!.ToArray());

        var prediction = Tensor.FromArray([float.NaN, 0.5f], 2, 1);
        prediction.RequiresGrad = true;
        var loss = new MeanAbsoluteError().Compute(Tensor.Zeros(2, 1), prediction);
        Assert.True(float.IsNaN(loss.ToArray()[0]));
    }

    [Fact]
    public void LossesRefuseEmptyPredictionsAndScalarLabels()
    {
        // Categorical cross-entropy on predictions with no classes divided by zero; sparse labels of rank 0
        // indexed past their shape.
        var empty = Assert.Throws<ArgumentException>(() => new CategoricalCrossentropy().Compute(Tensor.Zeros(2, 0), Tensor.Zeros(2, 0)));
        Assert.Contains("CategoricalCrossentropy", empty.Message);
        Assert.Contains("(2, 0)", empty.Message);
        var scalar = Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Compute(Tensor.Scalar(1), Tensor.Zeros(1, 3)));
        Assert.Contains("label", scalar.Message);
    }

    [Fact]
    public void ConvolutionOfZeroChannelsIsRejectedWhenBuilt()
    {
        var conv = new Conv2D(2, (3, 3));
        var ex = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Zeros(1, 4, 4, 0)));
        Assert.Contains(conv.Name, ex.Message);
        Assert.Contains("(1, 4, 4, 0)", ex.Message);
    }

    [Fact]
    public void OutputShapesOfEveryRankRaiseOnlyNamedErrors()
    {
        // ComputeOutputShape (Summary, functional models) indexes the shape before any call checks it:
        // GlobalAveragePooling2D, Flatten, LSTM and Dense used to throw IndexOutOfRange on a short shape.
        // A wrapper may answer with its inner layer's error, which names that layer.
        Func<Layer>[] layers =
        [
            () => new Dense(3), () => new Conv2D(2, 3), () => new MaxPooling2D(2), () => new AveragePooling2D(2),
            () => new GlobalAveragePooling2D(), () => new Flatten(), () => new Dropout(0.5), () => new Activation("relu"),
            () => new Embedding(5, 2), () => new LSTM(3), () => new LSTM(3, returnSequences: true),
            () => new BatchNormalization(), () => new LayerNormalization(), () => new GroupNormalization(groups: 1),
            () => new InstanceNormalization(), () => new RMSNormalization(), () => new UnitNormalization(),
            () => new SwitchableNormalization(), () => new BatchInstanceNormalization(), () => new GhostBatchNormalization(2),
            () => new FilterResponseNormalization(), () => new EvoNormB0(), () => new EvoNormS0(), () => new MeanOnlyBatchNormalization(),
            () => new LocalResponseNormalization(), () => new TLU(), () => new NormLab.Layers.Normalization(),
            () => new SpectralNormalization(new Dense(2)), () => new WeightNormalization(new Dense(2)), () => new WeightStandardization(new Conv2D(2, 1)),
        ];
        foreach (var make in layers)
            for (int rank = 0; rank <= 5; rank++)
            {
                var layer = make();
                var shape = Enumerable.Range(3, rank).ToArray();
                try { layer.ComputeOutputShape(shape); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    Assert.True(e.Message.Contains(layer.Name) || e.Message.Contains("'"), $"{layer.GetType().Name}, shape {Shapes.Format(shape)}: {e.Message}");
                }
                catch (Exception e)
                {
                    Assert.Fail($"{layer.GetType().Name}, shape {Shapes.Format(shape)}: {e.GetType().Name} escaped: {e.Message}");
                }
            }
    }

    [Fact]
    public void RandomShapesRaiseOnlyNamedErrors()
    {
        // Random layers and arguments (zero and out-of-range ones included), ranks 1-5, sizes from 0, NaN
        // values, out-of-range embedding indices, a backward, then a call on a shape with one axis changed.
        // Before this test: Math.Sign on NaN (gelu, Dense with gelu) and a division by zero in the
        // convolution kernel for a 0-channel input escaped.
        var rng = new Random(2);
        string[] activations = ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "gelu", "swish", "softplus", "leaky_relu"];
        for (int it = 0; it < 4000; it++)
        {
            int rank = rng.Next(1, 6);
            var shape = Enumerable.Range(0, rank).Select(_ => rng.Next(5) == 0 ? rng.Next(0, 2) : rng.Next(1, 7)).ToArray();
            int pick = rng.Next(8);
            Layer layer;
            try
            {
                layer = pick switch
                {
                    0 => new Dense(rng.Next(0, 5), activation: activations[rng.Next(activations.Length)]),
                    1 => new Conv2D(rng.Next(0, 4), (rng.Next(0, 4), rng.Next(1, 4)), strides: (rng.Next(0, 3), rng.Next(1, 3)), padding: rng.Next(2) == 0 ? "same" : "valid"),
                    2 => new MaxPooling2D((rng.Next(0, 4), rng.Next(1, 4)), strides: (rng.Next(1, 3), rng.Next(0, 3)), padding: rng.Next(2) == 0 ? "same" : "valid"),
                    3 => new Flatten(),
                    4 => new Dropout(rng.NextDouble() * 1.2),
                    5 => new Activation(activations[rng.Next(activations.Length)]),
                    6 => new Embedding(rng.Next(0, 6), rng.Next(0, 4)),
                    _ => new LSTM(rng.Next(0, 4), returnSequences: rng.Next(2) == 0),
                };
            }
            catch (ArgumentException) { continue; }
            var data = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b))
                .Select(_ => pick == 6 ? rng.Next(-2, 8) : rng.Next(20) == 0 ? float.NaN : (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var x = Tensor.FromArray(data, shape);
            bool training = rng.Next(2) == 0;
            x.RequiresGrad = pick != 6 && rng.Next(2) == 0;
            LayerFuzz.OnlyNamedErrors(layer, x, training, rng, $"{layer.GetType().Name}, shape {Shapes.Format(shape)}, training {training} (case {it})");
        }
    }
}
