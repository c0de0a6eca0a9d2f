using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.Recurrent;

/// <summary>
/// The options LSTM, GRU and SimpleRNN share (RecurrentLayer): masking from Embedding(maskZero: true) skips
/// padded steps, returnState, goBackwards, dropout and recurrentDropout, the config round trip of every option.
/// </summary>
public class RecurrentOptionsTests
{
    public static TheoryData<string> Kinds => new() { "lstm", "gru", "rnn" };

    private static RecurrentLayer Make(string kind, bool returnSequences = false, bool returnState = false, bool goBackwards = false,
        double dropout = 0, double recurrentDropout = 0) => kind switch
    {
        "lstm" => new LSTM(3, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, dropout: dropout, recurrentDropout: recurrentDropout),
        "gru" => new GRU(3, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, dropout: dropout, recurrentDropout: recurrentDropout),
        _ => new SimpleRNN(3, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, dropout: dropout, recurrentDropout: recurrentDropout),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void PaddedStepsFromEmbeddingMaskZeroAreSkipped(string kind)
    {
        // Sample 0 is [3, 1, 4] padded with zeros to length 5; its last output must equal that of the unpadded
        // sequence, and with returnSequences the padded steps repeat the last real output.
        NormLabRandom.SetSeed(30);
        var embedding = new Embedding(6, 2, maskZero: true);
        var layer = Make(kind, returnSequences: true);
        var padded = embedding.Call(Tensor.FromArray([3, 1, 4, 0, 0, 5, 2, 2, 1, 3], 2, 5));
        Assert.Equal([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], padded.Mask!.ToArray());
        var y = layer.Call(padded);
        var unpadded = layer.Call(embedding.Call(Tensor.FromArray([3, 1, 4], 1, 3)));
        for (int t = 0; t < 5; t++)
            for (int u = 0; u < 3; u++)
                Assert.Equal(unpadded[0, Math.Min(t, 2), u], y[0, t, u], 6);
        Assert.Same(padded.Mask, y.Mask);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AMaskPassedToCallWorksAsAnAttachedOne(string kind)
    {
        NormLabRandom.SetSeed(31);
        var layer = Make(kind);
        var x = Uniform(31, -1, 1, 2, 4, 2);
        var mask = Tensor.FromArray([1, 1, 0, 0, 1, 1, 1, 0], 2, 4);
        var passed = layer.Call(x, mask).ToArray();
        x.Mask = mask;
        Assert.Equal(passed, layer.Call(x).ToArray());
        Assert.NotEqual(passed, layer.Call(Uniform(31, -1, 1, 2, 4, 2)).ToArray());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ReturnStateGivesTheFinalStates(string kind)
    {
        NormLabRandom.SetSeed(32);
        var layer = Make(kind, returnSequences: true, returnState: true);
        var x = Uniform(32, -1, 1, 2, 4, 2);
        var outputs = layer.CallWithState(x);
        Assert.Equal(kind == "lstm" ? 3 : 2, outputs.Length);
        Assert.Equal([2, 4, 3], outputs[0].Shape);
        Assert.All(outputs.Skip(1), s => Assert.Equal([2, 3], s.Shape));
        Assert.Equal(Ops.Reshape(Ops.Slice(outputs[0], 1, 3, 1), 2, 3).ToArray(), outputs[1].ToArray());
        var ex = Assert.Throws<InvalidOperationException>(() => Make(kind).CallWithState(x));
        Assert.Contains("returnState", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void GoBackwardsIsTheReversedSequence(string kind)
    {
        NormLabRandom.SetSeed(33);
        var forward = Make(kind, returnSequences: true);
        var backward = Make(kind, returnSequences: true, goBackwards: true);
        var x = Uniform(33, -1, 1, 2, 4, 2);
        forward.Build(x.Shape);
        backward.Build(x.Shape);
        backward.SetWeights(forward.GetWeights());
        Assert.Equal(forward.Call(Ops.Reverse(x, 1)).ToArray(), backward.Call(x).ToArray());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DropoutActsOnlyInTrainingAndIsSeeded(string kind)
    {
        var layer = Make(kind, dropout: 0.5, recurrentDropout: 0.5);
        var x = Uniform(34, -1, 1, 4, 5, 2);
        NormLabRandom.SetSeed(1);
        var inference = layer.Call(x).ToArray();
        Assert.Equal(inference, layer.Call(x).ToArray());
        NormLabRandom.SetSeed(2);
        var training = layer.Call(x, training: true).ToArray();
        NormLabRandom.SetSeed(2);
        Assert.Equal(training, layer.Call(x, training: true).ToArray());
        Assert.NotEqual(inference, training);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryOptionSurvivesSaving(string kind) =>
        LayerTest.Run(() => Make(kind, returnSequences: true, returnState: true, goBackwards: true, dropout: 0.25, recurrentDropout: 0.125),
            [3, 4, 2], [3, 4, 3], trainableWeights: 3);

    [Fact]
    public void LstmGradientsMatchFiniteDifferencesWithMaskAndDropout()
    {
        var x = Uniform(35, -1, 1, 2, 4, 2);
        x.Mask = Tensor.FromArray([1, 1, 1, 0, 1, 0, 0, 0], 2, 4);
        CheckLayer(new LSTM(3, returnSequences: true, goBackwards: true, dropout: 0.2, recurrentDropout: 0.3), x, training: true,
            beforeCall: () => NormLabRandom.SetSeed(6));
    }

    [Fact]
    public void ATrainedMaskedModelSavesAndLoads()
    {
        // Embedding(maskZero) → GRU in a Sequential model: the mask travels with the tensor through the model,
        // so the padding id's embedding row cannot change a prediction.
        NormLabRandom.SetSeed(36);
        var model = new Sequential([new Embedding(6, 3, maskZero: true, inputLength: 4), new GRU(4), new Dense(1)]);
        var ids = Tensor.FromArray([1, 2, 0, 0, 3, 4, 5, 0, 5, 5, 5, 5], 3, 4);
        var before = model.Predict(ids).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"normlab-masked-{Guid.NewGuid():N}.normlab");
        try
        {
            model.Save(path);
            Assert.Equal(before, Model.Load(path).Predict(ids).ToArray());
        }
        finally { File.Delete(path); }
        var table = model.Layers[0].GetWeights()[0];
        var data = table.ToArray();
        Array.Fill(data, 9f, 0, 3);
        model.Layers[0].SetWeights([Tensor.FromArray(data, table.Shape)]);
        Assert.Equal(before, model.Predict(ids).ToArray());
        Array.Fill(data, 9f, 3, 3);
        model.Layers[0].SetWeights([Tensor.FromArray(data, table.Shape)]);
        Assert.NotEqual(before, model.Predict(ids).ToArray());
    }

    [Fact]
    public void OutputShapesOfEveryRankRaiseOnlyNamedErrors()
    {
        foreach (var kind in new[] { "lstm", "gru", "rnn" })
            for (int rank = 0; rank <= 5; rank++)
            {
                var layer = Make(kind);
                var shape = Enumerable.Range(3, rank).ToArray();
                if (rank == 3) Assert.Equal([3, 3], layer.ComputeOutputShape(shape));
                else Assert.Contains(layer.Name, Assert.Throws<ArgumentException>(() => layer.ComputeOutputShape(shape)).Message);
            }
    }
}
