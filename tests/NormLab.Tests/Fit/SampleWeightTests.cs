using NormLab.Layers;
using NormLab.Optimizers;
using NormLab.Tests.Normalization;
using Xunit;
using Loss = NormLab.Losses.Loss;

namespace NormLab.Tests.Fit;

/// <summary>
/// Sample and class weights (Keras 3: sum(w_i * loss_i) / batch) against tests/reference/make_fit_fixtures.py,
/// and the equivalences Keras guarantees: classWeight is the matching sampleWeight, weight 1 is no weight.
/// </summary>
public class SampleWeightTests
{
    [Theory]
    [InlineData("weighted_scce_probs")]
    [InlineData("weighted_scce_logits")]
    [InlineData("weighted_bce_probs")]
    [InlineData("weighted_bce_logits")]
    [InlineData("weighted_mse")]
    public void WeightedLossAndGradientMatchReference(string name)
    {
        var f = NormFixture.Load(name, "fit");
        var loss = Loss.Get(f.Config["loss"]!.GetValue<string>(), f.Config["fromLogits"]!.GetValue<bool>());
        var yPred = f.T("y_pred", requiresGrad: true);
        var value = loss.Compute(f.T("y_true"), yPred, f.T("sample_weight"));
        f.AssertClose("loss", value, rtol: 1e-5, atol: 1e-6);
        value.Backward();
        f.AssertClose("dy_pred", yPred.Grad, rtol: 1e-4, atol: 1e-6);
    }

    [Fact]
    public void WeightedLossHasAFiniteDifferenceGradient()
    {
        var f = NormFixture.Load("weighted_mse", "fit");
        var loss = Loss.Get("mse");
        var weights = f.T("sample_weight");
        GradCheck.Check(p => loss.Compute(f.T("y_true"), p[0], weights), [f.T("y_pred")], what: "weighted mse");
    }

    [Fact]
    public void ClassWeightTrainingStepMatchesReference()
    {
        var f = NormFixture.Load("class_weight_sgd_step", "fit");
        var model = new Sequential([new Dense(3, activation: "softmax", inputShape: [5])]);
        model.Compile(optimizer: new SGD(f.Config["learningRate"]!.GetValue<double>()), loss: "sparse_categorical_crossentropy");
        model.SetWeights([f.T("kernel"), f.T("bias")]);
        var classWeight = f.Config["classWeight"]!.AsObject().ToDictionary(kv => int.Parse(kv.Key), kv => kv.Value!.GetValue<double>());
        var logs = model.TrainOnBatch(f.T("x"), f.T("y"), classWeight: classWeight);
        Assert.Equal(f.T("loss").Item(), logs["loss"], 5);
        f.AssertClose("kernel_after", model.Weights[0], rtol: 1e-5, atol: 1e-6);
        f.AssertClose("bias_after", model.Weights[1], rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void FitWithClassWeightEqualsFitWithTheMatchingSampleWeight()
    {
        var (x, y) = FitData.Classes(20);
        var classWeight = new Dictionary<int, double> { [0] = 2.0, [1] = 0.25 }; // class 2 unlisted: weight 1
        var sampleWeight = Tensor.FromArray(y.ToArray().Select(c => c == 0 ? 2f : c == 1 ? 0.25f : 1f).ToArray(), 20);
        var byClass = FitData.Classifier();
        var hClass = byClass.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: 0, classWeight: classWeight);
        var bySample = FitData.Classifier();
        var hSample = bySample.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: 0, sampleWeight: sampleWeight);
        Assert.Equal(hSample["loss"], hClass["loss"]);
        Assert.Equal(FitData.Flat(bySample), FitData.Flat(byClass));
        var unweighted = FitData.Classifier().Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);
        Assert.NotEqual(unweighted["loss"][0], hClass["loss"][0]);
    }

    [Fact]
    public void OneHotTargetsTakeTheClassOfTheirArgMax()
    {
        var y = Tensor.FromArray([0f, 0f, 1f, 1f, 0f, 0f], 2, 3);
        var weights = ClassWeights.ToSampleWeights(y, new Dictionary<int, double> { [2] = 3.0, [0] = 0.5 });
        Assert.Equal([3f, 0.5f], weights.ToArray());
    }

    [Fact]
    public void UnitSampleWeightsChangeNothing()
    {
        var (x, y) = FitData.Classes(12);
        var plain = FitData.Classifier();
        plain.Fit(x, y, epochs: 1, batchSize: 5, shuffle: false, verbose: 0);
        var ones = FitData.Classifier();
        ones.Fit(x, y, epochs: 1, batchSize: 5, shuffle: false, verbose: 0, sampleWeight: Tensor.Ones(12));
        Assert.Equal(FitData.Flat(plain), FitData.Flat(ones));
    }

    [Fact]
    public void EvaluateWithSampleWeightIsTheWeightedSumOverAllSamples()
    {
        // Batch losses are averaged weighted by batch size, so over batches of 4 the result is sum(w l) / N.
        var model = FitData.Classifier();
        var (x, y) = FitData.Classes(10);
        var w = Tensor.FromArray([0f, 1f, 2f, 3f, 0.5f, 1f, 1f, 0f, 4f, 2f], 10);
        var perSample = Enumerable.Range(0, 10).Select(i => model.Evaluate(Batches.Rows(x, i, 1), Batches.Rows(y, i, 1))["loss"]).ToArray();
        double expected = perSample.Select((l, i) => l * w.ToArray()[i]).Sum() / 10;
        Assert.Equal(expected, model.Evaluate(x, y, batchSize: 4, sampleWeight: w)["loss"], 5);
        Assert.Equal(expected, model.TestOnBatch(x, y, sampleWeight: w)["loss"], 5);
    }

    [Fact]
    public void ValidationSplitCarriesTheSampleWeightsOfTheHeldOutSamples()
    {
        var (x, y) = FitData.Classes(10);
        var w = Tensor.FromArray([1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 0f, 3f], 10);
        var model = FitData.Classifier();
        var h = model.Fit(x, y, epochs: 1, batchSize: 4, shuffle: false, verbose: 0, sampleWeight: w, validationSplit: 0.2);
        Assert.Equal(model.Evaluate(Batches.Rows(x, 8, 2), Batches.Rows(y, 8, 2), sampleWeight: Batches.Rows(w, 8, 2))["loss"], h["val_loss"][0], 6);
    }

    [Fact]
    public void BadWeightsAreRefusedNamingFitTheArgumentAndTheValue()
    {
        var model = FitData.Classifier();
        var (x, y) = FitData.Classes(6);
        var both = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, sampleWeight: Tensor.Ones(6), classWeight: new Dictionary<int, double> { [0] = 1 }));
        Assert.Contains("both sampleWeight and classWeight", both.Message);
        var shape = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, sampleWeight: Tensor.Ones(5)));
        Assert.Contains("Fit's sampleWeight must have shape (6,)", shape.Message);
        Assert.Contains("received shape (5,)", shape.Message);
        var nan = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, sampleWeight: Tensor.FromArray([1f, float.NaN, 1f, 1f, 1f, 1f], 6)));
        Assert.Contains("sampleWeight[1] is NaN", nan.Message);
        var negative = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, classWeight: new Dictionary<int, double> { [1] = -2 }));
        Assert.Contains("classWeight[1] is -2", negative.Message);
        var loss = Assert.Throws<ArgumentException>(() => Loss.Get("mse").Compute(Tensor.Ones(2, 1), Tensor.Ones(2, 1), Tensor.Ones(3)));
        Assert.Contains("MeanSquaredError: sampleWeight", loss.Message);
    }
}
