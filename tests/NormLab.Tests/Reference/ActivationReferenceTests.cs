using Xunit;

namespace NormLab.Tests.Reference;

// Aliases (they take precedence over types of the enclosing NormLab namespace):
// Tensor from NormLab, layers from NormLab.Layers, Loss from NormLab.Losses.
using Tensor = NormLab.Tensor;
using Activation = NormLab.Layers.Activation;

/// <summary>
/// Activation layers on a (4, 6) input spanning [-4, 4] (no exact zeros) against PyTorch.
/// Keras 3 definitions: gelu exact erf form (approximate=False), leaky_relu negative_slope 0.2,
/// elu alpha 1, softmax over the last axis, swish == silu == x * sigmoid(x).
/// Tolerances: forward 1e-5 + 1e-5, dx 1e-4 + 1e-4.
/// </summary>
public class ActivationReferenceTests
{
    [Theory]
    [InlineData("relu")]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("softmax")]
    [InlineData("elu")]
    [InlineData("gelu")]
    [InlineData("leaky_relu")]
    [InlineData("swish")]
    [InlineData("silu")]
    [InlineData("selu")]
    [InlineData("softplus")]
    [InlineData("softsign")]
    [InlineData("relu6")]
    [InlineData("hard_sigmoid")]
    [InlineData("hard_silu")]
    [InlineData("hard_swish")]
    [InlineData("mish")]
    [InlineData("exponential")]
    public void Activation_MatchesReference(string activation)
    {
        var f = Fixture.Load("act_" + activation);
        Assert.Equal(activation, f.String("activation"));

        Tensor x = f.GetTensor("x");
        x.RequiresGrad = true;

        var layer = new Activation(activation);
        layer.Build(x.Shape);
        Tensor y = layer.Call(x, training: true);
        RefAssert.AssertTensor(f, "y", y, Tol.FwdRel, Tol.FwdAbs);

        y.Backward(f.GetTensor("seed"));
        RefAssert.AssertTensor(f, "dx", x.Grad, Tol.GradRel, Tol.GradAbs);
    }
}
