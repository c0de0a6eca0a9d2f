using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Normalization;

/// <summary>Forward, gradients and moving statistics against make_norm_fixtures.py (PyTorch/NumPy in Keras conventions).</summary>
public class NormalizationFixtureTests
{
    private static Tensor LossGrad(Tensor y, Tensor seed)
    {
        var loss = Ops.Sum(Ops.Mul(y, seed));
        loss.Backward();
        return loss;
    }

    [Theory]
    [InlineData("bn_rank2_axism1")] [InlineData("bn_rank2_axis1")]
    [InlineData("bn_rank3_axism1")] [InlineData("bn_rank3_axis1")]
    [InlineData("bn_rank4_axism1")] [InlineData("bn_rank4_axis1")]
    [InlineData("bn_rank5_axism1")] [InlineData("bn_rank5_axis1")]
    public void BatchNormalizationMatchesReference(string name)
    {
        var f = NormFixture.Load(name);
        var bn = new BatchNormalization(axis: f.Config["axis"]!.GetValue<int>());
        var x0 = f.T("x0", requiresGrad: true);
        bn.Build(x0.Shape);
        bn.SetWeights([f.T("gamma"), f.T("beta"), bn.MovingMean!.Detach(), bn.MovingVariance!.Detach()]);
        var y = bn.Call(x0, training: true);
        f.AssertClose("y_train", y);
        LossGrad(y, f.T("seed"));
        f.AssertClose("dx", x0.Grad);
        f.AssertClose("dgamma", bn.Gamma!.Grad, atol: 1e-4);
        f.AssertClose("dbeta", bn.Beta!.Grad, atol: 1e-4);
        bn.Call(f.T("x1"), training: true);
        bn.Call(f.T("x2"), training: true);
        f.AssertClose("moving_mean", bn.MovingMean);
        f.AssertClose("moving_variance", bn.MovingVariance);
        f.AssertClose("y_infer", bn.Call(f.T("x0"), training: false));
        // Trainable = false: inference statistics even with training: true, and no update.
        var before = bn.MovingMean!.ToArray();
        bn.Trainable = false;
        bn.Call(f.T("x1"), training: true);
        f.AssertClose("y_infer", bn.Call(f.T("x0"), training: true));
        Assert.Equal(before, bn.MovingMean.ToArray());
    }

    [Theory]
    [InlineData("bn_renorm")]
    [InlineData("bn_renorm_clip")]
    public void BatchRenormalizationMatchesReference(string name)
    {
        var f = NormFixture.Load(name);
        Dictionary<string, double>? clip = f.Config["renorm_clipping"] is System.Text.Json.Nodes.JsonObject o
            ? o.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()) : null;
        var bn = new BatchNormalization(renorm: true, renormClipping: clip, renormMomentum: f.Config["renorm_momentum"]!.GetValue<double>());
        var x0 = f.T("x0");
        bn.Build(x0.Shape);
        Assert.Equal(7, bn.GetWeights().Length);
        f.T("gamma").Data.CopyTo(bn.Gamma!.Data, 0);
        f.T("beta").Data.CopyTo(bn.Beta!.Data, 0);
        bn.Call(x0, training: true);
        bn.Call(f.T("x1"), training: true);
        var x2 = f.T("x2", requiresGrad: true);
        var y = bn.Call(x2, training: true);
        f.AssertClose("y_train", y);
        LossGrad(y, f.T("seed"));
        f.AssertClose("dx", x2.Grad);
        f.AssertClose("dgamma", bn.Gamma.Grad, atol: 1e-4);
        f.AssertClose("dbeta", bn.Beta.Grad, atol: 1e-4);
        f.AssertClose("moving_mean", bn.MovingMean);
        f.AssertClose("moving_variance", bn.MovingVariance);
        f.AssertClose("moving_stddev", bn.MovingStddev);
        f.AssertClose("renorm_mean", bn.RenormMean);
        f.AssertClose("renorm_stddev", bn.RenormStddev);
        f.AssertClose("y_infer", bn.Call(x0, training: false));
    }

    [Theory]
    [InlineData("ln_axis_m1")] [InlineData("ln_axes_12")] [InlineData("ln_axis_1")]
    [InlineData("ln_axes_13")] [InlineData("ln_rms_scaling")]
    public void LayerNormalizationMatchesReference(string name)
    {
        var f = NormFixture.Load(name);
        var axes = f.Config["axis"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        bool rms = f.Config["rms_scaling"]!.GetValue<bool>();
        var ln = new LayerNormalization(axis: axes, rmsScaling: rms);
        var x = f.T("x", requiresGrad: true);
        ln.Build(x.Shape);
        Assert.Equal(rms ? 1 : 2, ln.GetWeights().Length);
        ln.SetWeights(rms ? [f.T("gamma")] : [f.T("gamma"), f.T("beta")]);
        var y = ln.Call(x);
        f.AssertClose("y", y);
        LossGrad(y, f.T("seed"));
        f.AssertClose("dx", x.Grad);
        f.AssertClose("dgamma", ln.Gamma!.Grad, atol: 1e-4);
        if (!rms) f.AssertClose("dbeta", ln.Beta!.Grad, atol: 1e-4);
    }

    [Theory]
    [InlineData("gn_groups1")] [InlineData("gn_groups4")] [InlineData("gn_groupsm1")]
    public void GroupNormalizationMatchesReference(string name)
    {
        var f = NormFixture.Load(name);
        var gn = new GroupNormalization(groups: f.Config["groups"]!.GetValue<int>());
        var x = f.T("x", requiresGrad: true);
        gn.Build(x.Shape);
        gn.SetWeights([f.T("gamma"), f.T("beta")]);
        var y = gn.Call(x, training: true);
        f.AssertClose("y", y);
        LossGrad(y, f.T("seed"));
        f.AssertClose("dx", x.Grad);
        f.AssertClose("dgamma", gn.Gamma!.Grad, atol: 1e-4);
        f.AssertClose("dbeta", gn.Beta!.Grad, atol: 1e-4);
        if (f.Config["groups"]!.GetValue<int>() == -1) Assert.Equal(x.Shape[^1], gn.Groups);
    }

    [Fact]
    public void RMSNormalizationMatchesReference()
    {
        var f = NormFixture.Load("rms_axis_m1");
        var layer = new RMSNormalization();
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        layer.SetWeights([f.T("scale")]);
        var y = layer.Call(x);
        f.AssertClose("y", y);
        LossGrad(y, f.T("seed"));
        f.AssertClose("dx", x.Grad);
        f.AssertClose("dscale", layer.Scale!.Grad, atol: 1e-4);
    }

    [Theory]
    [InlineData("unit_axis_m1")] [InlineData("unit_axis_12")]
    public void UnitNormalizationMatchesReference(string name)
    {
        var f = NormFixture.Load(name);
        var axes = f.Config["axis"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var layer = new UnitNormalization(axis: axes);
        var x = f.T("x", requiresGrad: true);
        var y = layer.Call(x);
        f.AssertClose("y", y);
        LossGrad(y, f.T("seed"));
        f.AssertClose("dx", x.Grad);
    }

    [Theory]
    [InlineData("normalization_adapt_axis_m1")]
    [InlineData("normalization_adapt_axis_none")]
    [InlineData("normalization_adapt_axis_12")]
    public void NormalizationAdaptMatchesReference(string name)
    {
        var f = NormFixture.Load(name);
        Axes axis = f.Config["axis"] is System.Text.Json.Nodes.JsonArray a ? a.Select(v => v!.GetValue<int>()).ToArray() : Axes.None;
        var data = f.T("data");
        foreach (bool batched in new[] { false, true })
        {
            var layer = new NormLab.Layers.Normalization(axis: axis);
            var inverse = new NormLab.Layers.Normalization(axis: axis, invert: true);
            if (batched)
            {
                // Three batches of 4 samples, merged with the parallel formula.
                var batches = Enumerable.Range(0, 3).Select(b => Ops.Slice(data, 0, 4 * b, 4)).ToList();
                layer.Adapt(batches);
                inverse.Adapt(batches);
            }
            else { layer.Adapt(data); inverse.Adapt(data); }
            f.AssertClose("mean", layer.GetWeights()[0]);
            f.AssertClose("variance", layer.GetWeights()[1], atol: 1e-4);
            Assert.Equal(3, layer.GetWeights().Length);
            f.AssertClose("y", layer.Call(f.T("x")));
            f.AssertClose("y_invert", inverse.Call(f.T("x")), atol: 1e-4);
        }
    }

    [Fact]
    public void NormalizationExplicitStatisticsBroadcastRightToLeft()
    {
        var f = NormFixture.Load("normalization_explicit_axis_12");
        var layer = new NormLab.Layers.Normalization(axis: new[] { 1, 2 }, mean: f.T("mean"), variance: f.T("variance"));
        var inverse = new NormLab.Layers.Normalization(axis: new[] { 1, 2 }, mean: f.T("mean"), variance: f.T("variance"), invert: true);
        f.AssertClose("y", layer.Call(f.T("x")), atol: 1e-3);
        f.AssertClose("y_invert", inverse.Call(f.T("x")));
        Assert.Empty(layer.GetWeights());
    }

    [Theory]
    [InlineData("spectral_dense")]
    [InlineData("spectral_dense_iter3")]
    public void SpectralNormalizationDenseMatchesReference(string name)
    {
        var f = NormFixture.Load(name);
        var kernel = f.T("kernel");
        var layer = new SpectralNormalization(new Dense(kernel.Shape[1]), powerIterations: f.Config["power_iterations"]!.GetValue<int>());
        var x = f.T("x");
        layer.Build(x.Shape);
        var dense = (Dense)layer.Layer;
        kernel.Data.CopyTo(dense.Kernel!.Data, 0);
        f.T("bias").Data.CopyTo(dense.Bias!.Data, 0);
        f.T("vector_u").Data.CopyTo(layer.VectorU!.Data, 0);
        f.AssertClose("y_infer_before", layer.Call(x, training: false));
        f.AssertClose("kernel", dense.Kernel);       // inference leaves the kernel alone
        f.AssertClose("y_train", layer.Call(x, training: true));
        f.AssertClose("new_kernel", dense.Kernel);
        f.AssertClose("new_vector_u", layer.VectorU);
    }

    [Fact]
    public void SpectralPowerIterationOnConvKernelMatchesReference()
    {
        var f = NormFixture.Load("spectral_conv2d");
        var kernel = f.T("kernel"); var u = f.T("vector_u");
        double sigma = SpectralNormalization.PowerIteration(kernel.Data, kernel.Shape[^1], u.Data, 1);
        Assert.Equal(f.T("sigma").Data[0], sigma, 4);
        f.AssertClose("new_kernel", kernel);
        f.AssertClose("new_vector_u", u);
    }
}
