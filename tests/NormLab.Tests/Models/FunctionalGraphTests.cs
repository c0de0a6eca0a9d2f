using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>Functional graphs: several inputs and outputs, free dimensions, per-call training, and every error named.</summary>
public class FunctionalGraphTests
{
    [Fact]
    public void ContractGraph_TwoInputsTwoOutputs_CallAndFeatureModel()
    {
        NormLabRandom.SetSeed(41);
        var a = new Input([16], name: "a");
        var b = new Input([8], name: "b");
        var h = new Dense(32, activation: "relu", name: "dense").Call(new Concatenate().Call([a, b]));
        var cls = new Dense(3, activation: "softmax", name: "cls").Call(h);
        var reg = new Dense(1, name: "reg").Call(h);
        var model = new Model(inputs: [a, b], outputs: [cls, reg]);
        Assert.Equal(["cls", "reg"], model.OutputNames);
        Layer d = model.GetLayer("dense");
        Assert.Same(d, model.GetLayer(index: 1));   // the Concatenate comes first
        var features = new Model(inputs: model.Inputs, outputs: [d.Output]);

        var (xa, xb) = (Tensor.Rand(5, 16), Tensor.Rand(5, 8));
        var outs = model.Call([xa, xb]);
        Assert.Equal([[5, 3], [5, 1]], outs.Select(o => o.Shape));
        var hidden = features.Call([xa, xb])[0];
        Assert.Equal(model.GetLayer("reg").Call(hidden).ToArray(), outs[1].ToArray());
        Assert.Same(d.Output, d.Output.Layer!.Output);
        Assert.Same(h, d.Output);
        Assert.Equal(model.Inputs[0], d.Input.Inputs[0]);
    }

    [Fact]
    public void FreeDimension_AnyLengthRunsAndSummaryPrintsNone()
    {
        NormLabRandom.SetSeed(42);
        var seq = new Input([-1, 6]);
        var y = new Dense(2).Call(new LSTM(4).Call(seq));
        var model = new Model(seq, y);
        Assert.Equal([2], y.Shape);
        Assert.Equal([3, 2], model.Predict(Tensor.Rand(3, 5, 6)).Shape);
        Assert.Equal([3, 2], model.Predict(Tensor.Rand(3, 11, 6)).Shape);
        var printed = new List<string>();
        model.Summary(printed.Add);
        Assert.Contains(printed, l => l.Contains("(None, None, 6)"));
        var e = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Rand(3, 5, 7)));
        Assert.Contains($"Model '{model.Name}'", e.Message);
        Assert.Contains("(None, None, 6)", e.Message);
        Assert.Contains("(3, 5, 7)", e.Message);
    }

    [Fact]
    public void TrainingOverride_FixesTheModeOfOneCall()
    {
        NormLabRandom.SetSeed(43);
        var x = new Input([200]);
        var model = new Model(x, new Dropout(0.5).Call(x, training: true));
        var output = model.Predict(Tensor.Ones(2, 200)).ToArray();   // inference, but this call trains
        Assert.Contains(0f, output);
        Assert.Contains(2f, output);
    }

    [Fact]
    public void Errors_NameTheModelOrLayerAndWhatWasExpected()
    {
        var a = new Input([4], name: "a");
        var b = new Input([4], name: "b");
        var outOfGraph = new Dense(2).Call(b);
        var e = Assert.Throws<ArgumentException>(() => new Model(a, outOfGraph, name: "m1"));
        Assert.Contains("Model 'm1'", e.Message);
        Assert.Contains("'b'", e.Message);

        var sum = new Add().Call([new Dense(2, name: "twin").Call(a), new Dense(2, name: "twin").Call(b)]);
        e = Assert.Throws<ArgumentException>(() => new Model([a, b], [sum], name: "m2"));
        Assert.Contains("Model 'm2'", e.Message);
        Assert.Contains("'twin'", e.Message);

        var model = new Model([a, b], [new Add().Call([a, b])], name: "m3");
        e = Assert.Throws<ArgumentException>(() => model.Call([Tensor.Rand(2, 4)]));
        Assert.Contains("Model 'm3': expects 2 inputs (a, b), received 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Call(Tensor.Rand(2, 4)));
        Assert.Contains("Call([...])", e.Message);

        var never = new Dense(2, name: "never");
        Assert.Contains("Dense 'never': has never been called", Assert.Throws<InvalidOperationException>(() => never.Output).Message);
        var shared = new Dense(4, name: "shared");
        shared.Call(shared.Call(a));
        Assert.Contains("Dense 'shared': has 2 inbound nodes", Assert.Throws<InvalidOperationException>(() => shared.Output).Message);

        Assert.Contains("(0, 3)", Assert.Throws<ArgumentException>(() => new Input([0, 3])).Message);
        var sequential = new Sequential([new Dense(2)]);
        Assert.Contains("has no symbolic Inputs", Assert.Throws<InvalidOperationException>(() => sequential.Inputs).Message);
        sequential.Build([1, 3]);
        Assert.Equal([3], sequential.Inputs[0].Shape);
    }

    [Fact]
    public void CustomClass_ConfigKeysThatMatchNoParameter_AreAFormatExceptionNamingThem()
    {
        var config = new JsonObject { ["name"] = "odd", ["num_units"] = 3 };
        var node = new JsonObject { ["class_name"] = "Renamed", ["config"] = config };
        var saved = new JsonObject
        {
            ["name"] = "m", ["layers"] = new JsonArray(node),
            ["inputs"] = new JsonArray(new JsonObject { ["name"] = "in", ["shape"] = new JsonArray(2) }),
            ["nodes"] = new JsonArray(new JsonObject { ["layer"] = "odd", ["args"] = new JsonArray(new JsonArray("in", 0, 0)) }),
            ["outputs"] = new JsonArray(new JsonArray("odd", 0, 0)),
        };
        var e = Assert.Throws<FormatException>(() => Model.FromConfig(saved, new Dictionary<string, Type> { ["Renamed"] = typeof(Renamed) }));
        Assert.Contains("Renamed", e.Message);
        Assert.Contains("num_units", e.Message);
        config.Remove("num_units");
        config["units"] = 3;
        var model = Model.FromConfig(saved, new Dictionary<string, Type> { ["Renamed"] = typeof(Renamed) });
        Assert.Equal([1, 3], model.Predict(Tensor.Rand(1, 2)).Shape);
    }

    [Fact]
    public void MultiInputLayer_BuildsFromEveryInputShape()
    {
        var layer = new WeightedSum();
        var y = layer.Call([Tensor.Ones(2, 3), Tensor.Ones(2, 3)]);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([2, 3], layer.Weights[0].Shape);   // one weight per input and feature
        var a = new Input([3]);
        var model = new Model(a, new WeightedSum(name: "ws").Call([a, a]));
        Assert.Equal([4, 3], model.Predict(Tensor.Ones(4, 3)).Shape);
        Assert.Contains("WeightedSum 'ws': takes a list of inputs", Assert.Throws<InvalidOperationException>(() => model.GetLayer("ws").Call(Tensor.Ones(1, 3))).Message);
    }

    private sealed class Renamed(int units, string? name = null) : Layer(name)
    {
        protected override Tensor Forward(Tensor x, bool training) => Ops.MatMul(x, Tensor.Ones(x.Dim(-1), units));
    }

    private sealed class WeightedSum(string? name = null) : MultiInputLayer(name)
    {
        private Tensor weights = null!;

        protected override void BuildCore(IReadOnlyList<int[]> inputShapes) =>
            weights = AddWeight("weights", [inputShapes.Count, inputShapes[0][^1]], "ones");

        protected override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
            inputs.Select((x, i) => x * Ops.Slice(weights, 0, i, 1)).Aggregate(Ops.Add);
    }
}
