using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.BeyondKerasB;

/// <summary>Forward, gradients and moving statistics against make_beyond_b_fixtures.py (PyTorch, float64).</summary>
public class BeyondKerasBFixtureTests
{
    private static NormFixture Load(string name) => NormFixture.Load(name, "beyond_b");

    private static void Backward(Tensor y, Tensor seed) => Ops.Sum(Ops.Mul(y, seed)).Backward();

    private static void ClearGrads(Layer layer) { foreach (var w in layer.Weights) w.Grad = null; }

    [Theory]
    [InlineData("sn_rank4")] [InlineData("sn_rank4_axis1")] [InlineData("sn_rank3")]
    [InlineData("sn_rank2")] [InlineData("sn_spatial1")] [InlineData("sn_no_bn")]
    public void SwitchableNormalizationMatchesReference(string name)
    {
        var f = Load(name);
        bool useBn = f.Config["use_batch_statistics"]!.GetValue<bool>();
        var sn = new SwitchableNormalization(axis: f.Config["axis"]!.GetValue<int>(), momentum: f.Config["momentum"]!.GetValue<double>(),
            epsilon: f.Config["epsilon"]!.GetValue<double>(), useBatchStatistics: useBn);
        var x0 = f.T("x0", requiresGrad: true);
        sn.Build(x0.Shape);
        f.T("gamma").Data.CopyTo(sn.Gamma!.Data, 0);
        f.T("beta").Data.CopyTo(sn.Beta!.Data, 0);
        f.T("mean_logits").Data.CopyTo(sn.MeanLogits!.Data, 0);
        f.T("var_logits").Data.CopyTo(sn.VarianceLogits!.Data, 0);
        var y = sn.Call(x0, training: true);
        f.AssertClose("y_train", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x0.Grad, atol: 1e-4);
        f.AssertClose("dgamma", sn.Gamma.Grad, atol: 1e-4);
        f.AssertClose("dbeta", sn.Beta.Grad, atol: 1e-4);
        f.AssertClose("dmean_logits", sn.MeanLogits.Grad, atol: 1e-4);
        f.AssertClose("dvar_logits", sn.VarianceLogits.Grad, atol: 1e-4);
        sn.Call(f.T("x1"), training: true);
        sn.Call(f.T("x2"), training: true);
        if (useBn)
        {
            f.AssertClose("moving_mean", sn.MovingMean);
            f.AssertClose("moving_variance", sn.MovingVariance, atol: 1e-4);
        }
        ClearGrads(sn);
        var xi = f.T("x0", requiresGrad: true);
        var yi = sn.Call(xi, training: false);
        f.AssertClose("y_infer", yi, atol: 1e-4);
        Backward(yi, f.T("seed"));
        f.AssertClose("dx_infer", xi.Grad, atol: 1e-4);
        f.AssertClose("dmean_logits_infer", sn.MeanLogits.Grad, atol: 1e-4);
        f.AssertClose("dvar_logits_infer", sn.VarianceLogits.Grad, atol: 1e-4);
    }

    [Theory]
    [InlineData("bin_rank3")] [InlineData("bin_rank4")] [InlineData("bin_rank4_axis1")] [InlineData("bin_rank5")]
    public void BatchInstanceNormalizationMatchesReference(string name)
    {
        var f = Load(name);
        var bin = new BatchInstanceNormalization(axis: f.Config["axis"]!.GetValue<int>(), momentum: f.Config["momentum"]!.GetValue<double>(),
            epsilon: f.Config["epsilon"]!.GetValue<double>());
        var x0 = f.T("x0", requiresGrad: true);
        bin.Build(x0.Shape);
        bin.SetWeights([f.T("gamma"), f.T("beta"), f.T("rho"), bin.MovingMean!.Detach(), bin.MovingVariance!.Detach()]);
        var y = bin.Call(x0, training: true);
        f.AssertClose("y_train", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x0.Grad, atol: 1e-4);
        f.AssertClose("dgamma", bin.Gamma!.Grad, atol: 1e-4);
        f.AssertClose("dbeta", bin.Beta!.Grad, atol: 1e-4);
        f.AssertClose("drho", bin.Gate!.Grad, atol: 1e-4);
        bin.Call(f.T("x1"), training: true);
        bin.Call(f.T("x2"), training: true);
        f.AssertClose("moving_mean", bin.MovingMean);
        f.AssertClose("moving_variance", bin.MovingVariance, atol: 1e-4);
        ClearGrads(bin);
        var xi = f.T("x0", requiresGrad: true);
        var yi = bin.Call(xi, training: false);
        f.AssertClose("y_infer", yi, atol: 1e-4);
        Backward(yi, f.T("seed"));
        f.AssertClose("dx_infer", xi.Grad, atol: 1e-4);
        f.AssertClose("drho_infer", bin.Gate.Grad, atol: 1e-4);
    }

    [Theory]
    [InlineData("mobn_rank2")] [InlineData("mobn_rank3")] [InlineData("mobn_rank4_axis1")]
    public void MeanOnlyBatchNormalizationMatchesReference(string name)
    {
        var f = Load(name);
        var layer = new MeanOnlyBatchNormalization(axis: f.Config["axis"]!.GetValue<int>(), momentum: f.Config["momentum"]!.GetValue<double>());
        var x0 = f.T("x0", requiresGrad: true);
        layer.Build(x0.Shape);
        f.T("beta").Data.CopyTo(layer.Beta!.Data, 0);
        var y = layer.Call(x0, training: true);
        f.AssertClose("y_train", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x0.Grad, atol: 1e-4);
        f.AssertClose("dbeta", layer.Beta.Grad, atol: 1e-4);
        layer.Call(f.T("x1"), training: true);
        layer.Call(f.T("x2"), training: true);
        f.AssertClose("moving_mean", layer.MovingMean);
        f.AssertClose("y_infer", layer.Call(f.T("x0")));
    }

    [Fact]
    public void WeightNormalizationDenseMatchesReference()
    {
        var f = Load("wn_dense");
        var wn = new WeightNormalization(new Dense(3), dataInit: false);
        var x = f.T("x", requiresGrad: true);
        wn.Build(x.Shape);
        Assert.Equal(["g", "initialized", "kernel", "bias"], wn.Weights.Select(w => w.Name!.Split('/')[^1]));
        wn.SetWeights([f.T("g"), Tensor.Zeros(1), f.T("v"), f.T("bias")]);
        var y = wn.Call(x, training: true);
        f.AssertClose("y", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dv", wn.V!.Grad, atol: 1e-4);
        f.AssertClose("dg", wn.G!.Grad, atol: 1e-4);
        f.AssertClose("dbias", ((Dense)wn.Layer).Bias!.Grad, atol: 1e-4);

        // Data-dependent init on the first training batch.
        var init = new WeightNormalization(new Dense(3));
        init.Build([16, 4]);
        f.T("v").Data.CopyTo(init.V!.Data, 0);
        init.Call(f.T("x_init"), training: true);
        f.AssertClose("g_init", init.G, rtol: 1e-4, atol: 1e-4);
        f.AssertClose("bias_init", ((Dense)init.Layer).Bias, rtol: 1e-4, atol: 1e-4);
    }

    [Fact]
    public void WeightNormalizationConv2DMatchesReference()
    {
        var f = Load("wn_conv");
        var wn = new WeightNormalization(new Conv2D(4, 3), dataInit: false);
        var x = f.T("x", requiresGrad: true);
        wn.Build(x.Shape);
        wn.SetWeights([f.T("g"), Tensor.Zeros(1), f.T("v"), f.T("bias")]);
        var y = wn.Call(x, training: true);
        f.AssertClose("y", y, atol: 1e-4);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dv", wn.V!.Grad, atol: 1e-4);
        f.AssertClose("dg", wn.G!.Grad, atol: 1e-4);
        f.AssertClose("dbias", ((Conv2D)wn.Layer).Bias!.Grad, atol: 1e-4);
    }
}
