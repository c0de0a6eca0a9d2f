using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.Transformer;

/// <summary>
/// TransformerEncoder: pre- and post-LN blocks with the same weights against
/// tests/reference/make_transformer_fixtures.py, the harness for every normalization and placement, keras_hub's
/// weight layout and parameter count, DeepNorm's α and β, finite differences, errors naming the layer.
/// </summary>
public class TransformerEncoderTests
{
    [Theory]
    [InlineData("post")]
    [InlineData("pre")]
    public void MatchesReference(string placement)
    {
        var f = NormFixture.Load("encoder_" + placement, "transformer");
        var names = f.Config["weights"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        var block = new TransformerEncoder(f.Config["intermediateDim"]!.GetValue<int>(), f.Config["numHeads"]!.GetValue<int>(), normPlacement: placement);
        var x = f.T("x", requiresGrad: true);
        block.Call(x);
        block.SetWeights(names.Select(n => f.T(n)).ToArray());
        var y = block.Call(x, training: true);
        f.AssertClose("y", y, 1e-5, 1e-5);
        y.Backward(f.T("seed"));
        f.AssertClose("dx", x.Grad, 1e-4, 1e-4);
        for (int i = 0; i < names.Length; i++)
            f.AssertClose("d" + names[i], block.Weights[i].Grad, 1e-4, 1e-4);
    }

    public static TheoryData<string, string, int> Variants()
    {
        var data = new TheoryData<string, string, int>();
        var normWeights = new Dictionary<string, int> { ["layer"] = 2, ["rms"] = 1, ["dyt"] = 3, ["scale"] = 1, ["batch"] = 4, ["none"] = 0 };
        foreach (var (norm, perNorm) in normWeights)
            foreach (var placement in new[] { "post", "pre", "sandwich" })
                data.Add(norm, placement, perNorm * (placement == "sandwich" ? 4 : 2));
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Harness(string normalization, string placement, int normWeights)
    {
        // BatchNormalization's moving mean and variance are not trained.
        int frozen = normalization == "batch" ? normWeights / 2 : 0;
        LayerTest.Run(() => new TransformerEncoder(6, 2, normalization: normalization, normPlacement: placement),
            [2, 3, 4], [2, 3, 4], trainableWeights: 8 + 4 + normWeights - frozen, nonTrainableWeights: frozen);
    }

    [Fact]
    public void Harness_DeepNormAndQkNorm() =>
        LayerTest.Run(() => new TransformerEncoder(6, 2, deepNormLayers: 4, qkNorm: "rms", dropout: 0.1), [2, 3, 4], [2, 3, 4], trainableWeights: 8 + 2 + 4 + 4);

    [Fact]
    public void WeightsFollowKerasHub()
    {
        var block = new TransformerEncoder(intermediateDim: 128, numHeads: 4, name: "enc");
        block.Call(Tensor.Zeros(1, 16, 64));
        Assert.Equal(33_472, block.CountParams()); // keras_hub.layers.TransformerEncoder(128, 4) on 64 features
        Assert.Equal(["enc/self_attention/query/kernel", "enc/self_attention/query/bias", "enc/self_attention/key/kernel",
            "enc/self_attention/key/bias", "enc/self_attention/value/kernel", "enc/self_attention/value/bias",
            "enc/self_attention/attention_output/kernel", "enc/self_attention/attention_output/bias",
            "enc/self_attention_norm/gamma", "enc/self_attention_norm/beta", "enc/feedforward_norm/gamma", "enc/feedforward_norm/beta",
            "enc/feedforward_intermediate_dense/kernel", "enc/feedforward_intermediate_dense/bias",
            "enc/feedforward_output_dense/kernel", "enc/feedforward_output_dense/bias"], block.Weights.Select(w => w.Name!).ToArray());
        Assert.Equal([[64, 4, 16], [4, 16]], block.Weights.Take(2).Select(w => w.Shape).ToArray());
    }

    [Fact]
    public void SummaryCountsTheBlock()
    {
        var model = new Sequential([new TransformerEncoder(128, 4, inputShape: [16, 64]), new Flatten(), new Dense(10)]);
        var printed = new List<string>();
        model.Summary(printed.Add);
        Assert.Contains(printed, line => line.Contains("(TransformerEncoder)") && line.Contains("33,472"));
    }

    [Fact]
    public void DeepNormScalesResidualAndInitialWeights()
    {
        var plain = new TransformerEncoder(8, 2, name: "plain");
        var deep = new TransformerEncoder(8, 2, deepNormLayers: 6, name: "deep");
        Assert.Equal(Math.Pow(12, 0.25), deep.ResidualScale, 12);
        Assert.Equal(1, plain.ResidualScale);
        NormLabRandom.SetSeed(3);
        plain.Build([1, 3, 4]);
        NormLabRandom.SetSeed(3);
        deep.Build([1, 3, 4]);
        double beta = Math.Pow(48, -0.25);
        for (int i = 0; i < plain.Weights.Count; i++)
        {
            string role = plain.Weights[i].Name!["plain/".Length..];
            bool scaled = role is "self_attention/value/kernel" or "self_attention/attention_output/kernel"
                or "feedforward_intermediate_dense/kernel" or "feedforward_output_dense/kernel";
            var expected = plain.Weights[i].ToArray().Select(v => scaled ? (float)(v * beta) : v).ToArray();
            Assert.Equal(expected, deep.Weights[i].ToArray(), (a, b) => Math.Abs(a - b) <= 1e-6f);
        }
    }

    [Theory]
    [InlineData("layer", "post", 0)]
    [InlineData("rms", "pre", 0)]
    [InlineData("dyt", "sandwich", 0)]
    [InlineData("scale", "post", 3)]
    public void GradientsMatchFiniteDifferences(string normalization, string placement, int deepNormLayers)
    {
        NormLabRandom.SetSeed(70);
        var block = new TransformerEncoder(5, 2, normalization: normalization, normPlacement: placement, deepNormLayers: deepNormLayers);
        CheckLayer(block, Uniform(70, -1, 1, 2, 3, 4));
    }

    [Fact]
    public void RandomShapesRaiseOnlyNamedErrors()
    {
        Func<Layer>[] layers =
        [
            () => new TransformerEncoder(3, 2, dropout: 0.5), () => new TransformerEncoder(2, 1, normalization: "batch", normPlacement: "sandwich"),
            () => new TransformerEncoder(2, 2, normalization: "scale", deepNormLayers: 2, qkNorm: "l2"),
            () => new MultiHeadAttention(2, 2, qkNorm: "layer"), () => new MultiHeadAttention(1, 2, qkNorm: "rms"),
        ];
        var rng = new Random(22);
        for (int it = 0; it < 300; it++)
        {
            var shape = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => rng.Next(6) == 0 ? 0 : rng.Next(1, 5)).ToArray();
            var x = Tensor.Zeros(shape);
            NormLabRandom.FillUniform(x.Data, -1, 1);
            if (x.Size > 0 && rng.Next(8) == 0) x.Data[rng.Next(x.Size)] = float.NaN;
            var layer = layers[rng.Next(layers.Length)]();
            LayerFuzz.OnlyNamedErrors(layer, x, rng.Next(2) == 0, rng, $"{layer.GetType().Name} on {Shapes.Format(shape)}");
        }
    }

    [Fact]
    public void ErrorsNameTheLayer()
    {
        static string Message(Action a) => Assert.Throws<ArgumentException>(a).Message;
        Assert.Contains("'group'", Message(() => new TransformerEncoder(8, 2, normalization: "group", name: "probe")));
        Assert.Contains("'middle'", Message(() => new TransformerEncoder(8, 2, normPlacement: "middle", name: "probe")));
        Assert.Contains("\"pre\"", Message(() => new TransformerEncoder(8, 2, normPlacement: "pre", deepNormLayers: 4, name: "probe")));
        Assert.Contains("qkNorm", Message(() => new TransformerEncoder(8, 2, qkNorm: "dyt", name: "probe")));
        var heads = Message(() => new TransformerEncoder(8, 3, name: "probe").Call(Tensor.Ones(2, 3, 4)));
        Assert.Contains("probe", heads);
        Assert.Contains("(2, 3, 4)", heads);
        Assert.Contains("probe", Message(() => new TransformerEncoder(8, 2, name: "probe").Call(Tensor.Ones(2, 4))));
    }
}
