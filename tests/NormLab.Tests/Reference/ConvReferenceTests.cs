using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.Reference;

/// <summary>
/// The convolution, pooling, reshaping and merging layers of issue 20 against PyTorch
/// (tests/reference/make_conv_fixtures.py, Fixtures/conv). Each fixture names the Keras class and its config;
/// the layer is rebuilt from that config through the registry (so the config reader is checked too), given
/// the fixture's weights, and must reproduce y and the gradients of sum(y * seed) for every input and weight.
/// Tolerances: forward 1e-5 + 1e-5·|y|, gradients 1e-4 + 1e-4·|g| (float32 against float64).
/// </summary>
public class ConvReferenceTests
{
    public static TheoryData<string> Cases => new(
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "conv"), "*.json").Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = NormFixture.Load(name, "conv");
        var layer = LayerRegistry.FromConfig(f.Config);
        Assert.Equal(f.Config["class_name"]!.GetValue<string>(), layer.GetType().Name);

        var inputs = f.Has("x") ? [f.T("x", requiresGrad: true)] : Enumerable.Range(0, 3).Where(i => f.Has($"x{i}")).Select(i => f.T($"x{i}", requiresGrad: true)).ToArray();
        Tensor y;
        if (layer is MergeLayer merge)
        {
            y = merge.Call(inputs, training: true);
        }
        else
        {
            layer.Build(inputs[0].Shape);
            var weights = Enumerable.Range(0, layer.Weights.Count).Select(i => f.T($"w{i}")).ToArray();
            Assert.False(f.Has($"w{weights.Length}"), $"{name}: the fixture has more weights than the layer's {weights.Length}.");
            layer.SetWeights(weights);
            y = layer.Call(inputs[0], training: true);
        }
        f.AssertClose("y", y, rtol: 1e-5, atol: 1e-5);
        y.Backward(f.T("seed"));
        for (int i = 0; i < inputs.Length; i++) f.AssertClose(inputs.Length == 1 ? "dx" : $"dx{i}", inputs[i].Grad, rtol: 1e-4, atol: 1e-4);
        for (int i = 0; i < layer.TrainableWeights.Count; i++) f.AssertClose($"dw{i}", layer.TrainableWeights[i].Grad, rtol: 1e-4, atol: 1e-4);
    }
}
