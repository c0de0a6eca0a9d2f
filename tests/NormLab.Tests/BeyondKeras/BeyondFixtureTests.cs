using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.BeyondKeras;

/// <summary>Forward, gradients and running statistics against tests/reference/make_beyond_a_fixtures.py (PyTorch).</summary>
public class BeyondFixtureTests
{
    private static NormFixture Load(string name) => NormFixture.Load(name, "beyond");

    private static void Backward(Tensor y, Tensor seed) => Ops.Sum(Ops.Mul(y, seed)).Backward();

    [Theory]
    [InlineData("in_rank3")] [InlineData("in_rank4")]
    public void InstanceNormalizationMatchesPyTorch(string name)
    {
        var f = Load(name);
        var layer = new InstanceNormalization(trackRunningStats: true, momentum: f.Config["momentum"]!.GetValue<double>());
        var x0 = f.T("x0", requiresGrad: true);
        layer.Build(x0.Shape);
        layer.SetWeights([f.T("gamma"), f.T("beta"), layer.MovingMean!.Detach(), layer.MovingVariance!.Detach()]);
        var y = layer.Call(x0, training: true);
        f.AssertClose("y_train", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x0.Grad);
        f.AssertClose("dgamma", layer.Gamma!.Grad, atol: 1e-4);
        f.AssertClose("dbeta", layer.Beta!.Grad, atol: 1e-4);
        layer.Call(f.T("x1"), training: true);
        layer.Call(f.T("x2"), training: true);
        f.AssertClose("moving_mean", layer.MovingMean);
        f.AssertClose("moving_variance", layer.MovingVariance);
        f.AssertClose("y_infer", layer.Call(f.T("x0"), training: false));
    }

    [Theory]
    [InlineData("gbn_rank2")] [InlineData("gbn_rank3")] [InlineData("gbn_rank4")]
    public void GhostBatchNormalizationMatchesPyTorch(string name)
    {
        var f = Load(name);
        var layer = new GhostBatchNormalization(f.Config["virtual_batch_size"]!.GetValue<int>(), momentum: f.Config["momentum"]!.GetValue<double>());
        var x0 = f.T("x0", requiresGrad: true);
        layer.Build(x0.Shape);
        layer.SetWeights([f.T("gamma"), f.T("beta"), layer.MovingMean!.Detach(), layer.MovingVariance!.Detach()]);
        var y = layer.Call(x0, training: true);
        f.AssertClose("y_train", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x0.Grad);
        f.AssertClose("dgamma", layer.Gamma!.Grad, atol: 1e-4);
        f.AssertClose("dbeta", layer.Beta!.Grad, atol: 1e-4);
        layer.Call(f.T("x1"), training: true);
        layer.Call(f.T("x2"), training: true);
        f.AssertClose("moving_mean", layer.MovingMean);
        f.AssertClose("moving_variance", layer.MovingVariance);
        f.AssertClose("y_infer", layer.Call(f.T("x0"), training: false));
    }

    [Theory]
    [InlineData("frn_rank2")] [InlineData("frn_rank3")] [InlineData("frn_rank4")]
    [InlineData("frn_rank2_learned")] [InlineData("frn_rank4_learned")]
    public void FilterResponseNormalizationMatchesPaperCode(string name)
    {
        var f = Load(name);
        bool learned = f.Config["learned_epsilon"]!.GetValue<bool>();
        var layer = new FilterResponseNormalization(learnedEpsilon: learned);
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        layer.SetWeights(learned ? [f.T("gamma"), f.T("beta"), f.T("tau"), f.T("epsilon_l")] : [f.T("gamma"), f.T("beta"), f.T("tau")]);
        var y = layer.Call(x, training: true);
        f.AssertClose("y", y);
        f.AssertClose("y", layer.Call(f.T("x"), training: false));
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dgamma", layer.Gamma!.Grad, atol: 1e-4);
        f.AssertClose("dbeta", layer.Beta!.Grad, atol: 1e-4);
        f.AssertClose("dtau", layer.Tau!.Grad, atol: 1e-4);
        if (learned) f.AssertClose("depsilon_l", layer.EpsilonL!.Grad, rtol: 1e-3, atol: 1e-3);
    }

    [Theory]
    [InlineData("frn_rank3")] [InlineData("frn_rank4")]
    public void FrnWithoutTluFollowedByTluLayerIsTheSame(string name)
    {
        var f = Load(name);
        var frn = new FilterResponseNormalization(useTlu: false);
        var tlu = new TLU();
        var x = f.T("x", requiresGrad: true);
        frn.Build(x.Shape); tlu.Build(x.Shape);
        frn.SetWeights([f.T("gamma"), f.T("beta")]);
        tlu.SetWeights([f.T("tau")]);
        var y = tlu.Call(frn.Call(x));
        f.AssertClose("y", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dtau", tlu.Tau!.Grad, atol: 1e-4);
    }

    [Theory]
    [InlineData("evob0_rank3")] [InlineData("evob0_rank4")]
    public void EvoNormB0MatchesReference(string name)
    {
        var f = Load(name);
        var layer = new EvoNormB0(momentum: f.Config["momentum"]!.GetValue<double>());
        var x0 = f.T("x0", requiresGrad: true);
        layer.Build(x0.Shape);
        layer.SetWeights([f.T("gamma"), f.T("beta"), f.T("v"), layer.MovingVariance!.Detach()]);
        var y = layer.Call(x0, training: true);
        f.AssertClose("y_train", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x0.Grad, atol: 1e-4);
        f.AssertClose("dgamma", layer.Gamma!.Grad, atol: 1e-4);
        f.AssertClose("dbeta", layer.Beta!.Grad, atol: 1e-4);
        f.AssertClose("dv", layer.V!.Grad, atol: 1e-4);
        layer.Call(f.T("x1"), training: true);
        layer.Call(f.T("x2"), training: true);
        f.AssertClose("moving_variance", layer.MovingVariance);
        f.AssertClose("y_infer", layer.Call(f.T("x0"), training: false));
    }

    [Theory]
    [InlineData("evos0_rank2")] [InlineData("evos0_rank3")] [InlineData("evos0_rank4")]
    public void EvoNormS0MatchesReference(string name)
    {
        var f = Load(name);
        var layer = new EvoNormS0(groups: f.Config["groups"]!.GetValue<int>());
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        Assert.Equal(f.Config["groups_used"]!.GetValue<int>(), layer.Groups);
        layer.SetWeights([f.T("gamma"), f.T("beta"), f.T("v")]);
        var y = layer.Call(x, training: true);
        f.AssertClose("y", y);
        f.AssertClose("y", layer.Call(f.T("x")));
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dgamma", layer.Gamma!.Grad, atol: 1e-4);
        f.AssertClose("dbeta", layer.Beta!.Grad, atol: 1e-4);
        f.AssertClose("dv", layer.V!.Grad, atol: 1e-4);
    }

    [Theory]
    [InlineData("lrn_rank2")] [InlineData("lrn_rank3")] [InlineData("lrn_rank4")]
    public void LocalResponseNormalizationMatchesTorchWithAlphaTimesSize(string name)
    {
        var f = Load(name);
        var c = f.Config;
        var layer = new LocalResponseNormalization(c["depth_radius"]!.GetValue<int>(), c["bias"]!.GetValue<double>(),
            c["alpha"]!.GetValue<double>(), c["beta"]!.GetValue<double>());
        var x = f.T("x", requiresGrad: true);
        var y = layer.Call(x);
        f.AssertClose("y", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad);
        Assert.Empty(layer.Weights);
    }

    [Fact]
    public void WeightStandardizationMatchesAuthorsPyTorchCode()
    {
        var f = Load("ws_conv");
        var layer = new WeightStandardization(new Conv2D(f.Config["filters"]!.GetValue<int>(), 3, padding: "same"));
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        layer.SetWeights([f.T("kernel"), f.T("bias")]);
        var y = layer.Call(x, training: true);
        f.AssertClose("y", y, atol: 1e-4);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dkernel", layer.Layer.Kernel!.Grad, rtol: 1e-3, atol: 1e-3);
        f.AssertClose("dbias", layer.Layer.Bias!.Grad, atol: 1e-4);
    }
}
