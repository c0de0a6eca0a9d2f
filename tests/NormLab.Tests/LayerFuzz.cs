using NormLab.Layers;
using Xunit;

namespace NormLab.Tests;

/// <summary>The step of the random sweeps over layers and inputs: what a layer may do with bad input.</summary>
public static class LayerFuzz
{
    /// <summary>
    /// Runs <paramref name="prepare"/> (e.g. Adapt), calls the layer on x, backpropagates when the output
    /// needs it, then calls it on a shape with one axis grown by one. The layer may refuse, with an
    /// ArgumentException or InvalidOperationException that names it; nothing else may escape (a kernel's
    /// IndexOutOfRange or DivideByZero, Math.Sign's ArithmeticException on NaN, TensorPrimitives' messages).
    /// <paramref name="names"/>: other names the error may give instead (a wrapper's inner layer).
    /// </summary>
    public static void OnlyNamedErrors(Layer layer, Tensor x, bool training, Random rng, string what, Action? prepare = null, string[]? names = null)
    {
        try
        {
            prepare?.Invoke();
            var y = layer.Call(x, training);
            if (y.RequiresGrad) y.Backward(Tensor.Ones(y.Shape));
            var other = x.Shape;
            other[rng.Next(other.Length)] += 1;
            layer.Call(Tensor.Zeros(other), training);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Assert.True(e.Message.Contains(layer.Name) || e.Message.Contains(layer.GetType().Name) || (names ?? []).Any(e.Message.Contains),
                $"{what}: {e.GetType().Name} without the layer's name: {e.Message}");
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped: {e.Message}\n{e.StackTrace}");
        }
    }
}
